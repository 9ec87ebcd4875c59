import { errorResponse, uploadSessions } from '@/lib/client/services';

export const dynamic = 'force-dynamic';

/** POST /api/uploads {size}: opens an upload of `size` bytes of ciphertext (lib/storage/uploads.ts). */
export async function POST(request: Request): Promise<Response> {
  try {
    const body = (await request.json().catch(() => ({}))) as { size?: unknown };
    return Response.json((await uploadSessions()).start(Number(body.size)), { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
