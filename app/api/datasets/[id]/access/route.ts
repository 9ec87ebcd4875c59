import { errorResponse } from '@/lib/client/services';
import { downloadTicket } from '@/lib/market/ticket';
import { loadConfig } from '@/lib/config';
import { DatasetNotFoundError, Market } from '@/lib/market';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/**
 * GET /api/datasets/<id>/access: what a browser needs to download the dataset itself — the key envelope with
 * its identity, and the content's CID, size and signed hash. All public; the key nodes decide who decrypts.
 */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  const { id } = await params;
  const market = /^[1-9]\d{0,30}$/.test(id) ? await Market.open(loadConfig()).catch((error: unknown) => error) : new DatasetNotFoundError(0n);
  if (!(market instanceof Market)) return errorResponse(market);
  try {
    return Response.json(await downloadTicket(market, BigInt(id)));
  } catch (error) {
    return errorResponse(error);
  } finally {
    await market.close();
  }
}
