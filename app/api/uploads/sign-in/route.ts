import { signIn, signInMessage } from '@/lib/web/uploads';

export const dynamic = 'force-dynamic';

/** GET /api/uploads/sign-in?address=0x…: the SIWE message that account signs to upload (lib/storage/upload-signin.ts). */
export function GET(request: Request): Promise<Response> {
  return signInMessage(request);
}

/** POST /api/uploads/sign-in {message, signature}: a token for a funded signer, `{ token, address, expiresAt }`. */
export function POST(request: Request): Promise<Response> {
  return signIn(request);
}
