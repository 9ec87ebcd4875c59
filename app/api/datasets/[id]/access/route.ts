import { accessAnswer } from '@/lib/web/datasets';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** GET /api/datasets/<id>/access: what a browser needs to download the dataset itself (lib/web/datasets.ts). */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return accessAnswer((await params).id);
}
