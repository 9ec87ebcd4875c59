import { parseDatasetId } from '@/components/dataset/read-dataset';
import { readOwnedDataset } from '@/components/owner/read-owner';
import { errorResponse } from '@/lib/client/services';
import { loadConfig } from '@/lib/config';
import { DatagoraError } from '@/lib/errors';
import { Market } from '@/lib/market';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/**
 * GET /api/owner/datasets/<id>: the dataset as the owner's desk needs it — its verified current document, on
 * which the browser builds and signs the next version, its algorithm approval queue and the compute providers
 * it allows. All public.
 */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  const text = (await params).id;
  let market: Market | undefined;
  try {
    const id = parseDatasetId(text);
    if (id === undefined) throw new DatagoraError(`"${text}" is not a dataset id`, 'give the dataset’s number, e.g. /api/owner/datasets/1');
    market = await Market.open(loadConfig());
    return Response.json(await readOwnedDataset(market, id), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  } finally {
    await market?.close();
  }
}
