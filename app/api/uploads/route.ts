import { openUpload } from '@/lib/web/uploads';

export const dynamic = 'force-dynamic';

/**
 * POST /api/uploads {size} with `Authorization: Bearer <token>` (./sign-in): opens an upload of `size` bytes
 * of ciphertext for the signed-in account, which must hold gas money (lib/storage/uploads.ts).
 */
export function POST(request: Request): Promise<Response> {
  return openUpload(request);
}
