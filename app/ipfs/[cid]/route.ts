import { loadConfig } from '@/lib/config';
import { openStore, type ContentStore } from '@/lib/storage';
import { gatewayResponse } from '@/lib/storage/gateway';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

type Context = { params: Promise<{ cid: string }> };

let store: Promise<ContentStore> | undefined;

/** One store per server process; a failed open is retried on the next request. */
function contentStore(): Promise<ContentStore> {
  store ??= openStore(loadConfig().storage).catch((error: unknown) => {
    store = undefined;
    throw error;
  });
  return store;
}

/** GET /ipfs/<cid>: the file, streamed, with Range and If-None-Match support (lib/storage/gateway). */
export async function GET(request: Request, { params }: Context): Promise<Response> {
  return gatewayResponse(await contentStore(), (await params).cid, request);
}

/** HEAD /ipfs/<cid>: the same headers, no body. */
export const HEAD = GET;
