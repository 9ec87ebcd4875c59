import { encryptionTargetAnswer } from '@/lib/web/publishing';

export const dynamic = 'force-dynamic';

/**
 * POST /api/keys/target {datasetId, dataToEncryptHash}: where the browser encrypts a dataset's data key to —
 * the key network's public key and the identity of the dataset's access conditions. The key never comes here.
 */
export function POST(request: Request): Promise<Response> {
  return encryptionTargetAnswer(request);
}
