import { errorResponse, keyNetwork } from '@/lib/client/services';
import { KeyEnvelopeError } from '@/lib/access';

export const dynamic = 'force-dynamic';

/**
 * POST /api/keys/target {datasetId, dataToEncryptHash}: where the browser encrypts a dataset's data key to —
 * the key network's public key and the identity of the dataset's access conditions. The key never comes here.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const body = (await request.json().catch(() => ({}))) as { datasetId?: unknown; dataToEncryptHash?: unknown };
    const id = typeof body.datasetId === 'string' && /^[1-9]\d{0,30}$/.test(body.datasetId) ? BigInt(body.datasetId) : undefined;
    const hash = typeof body.dataToEncryptHash === 'string' && /^[0-9a-f]{64}$/.test(body.dataToEncryptHash) ? body.dataToEncryptHash : undefined;
    if (id === undefined || hash === undefined) throw new KeyEnvelopeError('the request needs datasetId (a positive whole number as a string) and dataToEncryptHash (64 lowercase hex digits)', 'send both, as the publish wizard does');
    return Response.json(await (await keyNetwork()).encryptionTarget(id, hash));
  } catch (error) {
    return errorResponse(error);
  }
}
