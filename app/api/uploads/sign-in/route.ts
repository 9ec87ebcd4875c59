import { errorResponse, uploadSignIns } from '@/lib/client/services';
import { readRequestJson } from '@/lib/storage/uploads';

export const dynamic = 'force-dynamic';

const noStore = { 'Cache-Control': 'no-store' };

/** GET /api/uploads/sign-in?address=0x…: the SIWE message that account signs to upload (lib/storage/upload-signin.ts). */
export async function GET(request: Request): Promise<Response> {
  try {
    const address = new URL(request.url).searchParams.get('address') ?? '';
    return Response.json({ message: (await uploadSignIns()).message(address) }, { headers: noStore });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/uploads/sign-in {message, signature}: a token for a funded signer, `{ token, address, expiresAt }`. */
export async function POST(request: Request): Promise<Response> {
  try {
    const body = await readRequestJson(request);
    return Response.json(await (await uploadSignIns()).signIn(body.message, body.signature), { headers: noStore });
  } catch (error) {
    return errorResponse(error);
  }
}
