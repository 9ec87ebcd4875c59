import { royaltiesAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** GET /api/datasets/<id>/royalties: what the asset earned and paid in royalties, from the indexer (lib/web/read-api.ts). */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return royaltiesAnswer((await params).id);
}
