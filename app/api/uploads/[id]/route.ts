import { abortUpload, appendPart, finishUpload } from '@/lib/web/uploads';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

// Each handler needs the bearer token of the account that opened the upload: the id alone is not enough.

/** PUT /api/uploads/<id>?part=N: the next part of the ciphertext, streamed into IPFS. */
export async function PUT(request: Request, { params }: Context): Promise<Response> {
  return appendPart(request, (await params).id);
}

/** POST /api/uploads/<id>: ends the upload; answers the pinned file's CID and size. */
export async function POST(request: Request, { params }: Context): Promise<Response> {
  return finishUpload(request, (await params).id);
}

/** DELETE /api/uploads/<id>: abandons the upload. */
export async function DELETE(request: Request, { params }: Context): Promise<Response> {
  return abortUpload(request, (await params).id);
}
