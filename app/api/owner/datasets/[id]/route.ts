import { ownedDatasetAnswer } from '@/lib/web/datasets';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** GET /api/owner/datasets/<id>: the dataset as the owner's desk needs it (lib/web/datasets.ts). All public. */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return ownedDatasetAnswer((await params).id);
}
