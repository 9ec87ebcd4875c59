import { ownerAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ address: string }> };

/** GET /api/owners/<address>: the owner's datasets, sales and royalty income, from the indexer (lib/web/read-api.ts). */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return ownerAnswer((await params).address);
}
