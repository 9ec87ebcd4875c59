import { errorResponse, uploadAccount, uploadSessions, uploadSignIns } from '@/lib/client/services';
import { readRequestJson } from '@/lib/storage/uploads';

export const dynamic = 'force-dynamic';

/**
 * POST /api/uploads {size} with `Authorization: Bearer <token>` (./sign-in): opens an upload of `size` bytes
 * of ciphertext for the signed-in account, which must hold gas money (lib/storage/uploads.ts).
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const account = await uploadAccount(request);
    await (await uploadSignIns()).requireFunded(account);
    const body = await readRequestJson(request);
    return Response.json((await uploadSessions()).start(account, body.size), { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
