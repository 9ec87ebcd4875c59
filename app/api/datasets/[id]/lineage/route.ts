import { lineageAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** GET /api/datasets/<id>/lineage: the asset's lineage graph from the indexer (lib/web/read-api.ts). */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return lineageAnswer((await params).id);
}
