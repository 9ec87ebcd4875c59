import { errorResponse, uploadAccount, uploadSessions } from '@/lib/client/services';
import { UploadError } from '@/lib/storage/uploads';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

// Each handler needs the bearer token of the account that opened the upload: the id alone is not enough.

/** PUT /api/uploads/<id>?part=N: the next part of the ciphertext, streamed into IPFS. */
export async function PUT(request: Request, { params }: Context): Promise<Response> {
  try {
    const account = await uploadAccount(request);
    // Decimal digits only: Number() reads a missing or empty ?part= as 0, and "1e0", "0x1" or " 1" as numbers.
    const query = new URL(request.url).searchParams.get('part') ?? '';
    const part = /^(0|[1-9][0-9]{0,15})$/.test(query) ? Number(query) : Number.NaN;
    if (!Number.isSafeInteger(part)) throw new UploadError(400, 'bad-part', 'the part number is missing or not a whole number', 'send ?part=0, 1, 2… in order');
    // Node's web streams are async iterables; the DOM typings do not say so.
    if (!request.body) throw new UploadError(400, 'empty-part', 'the part has no body', 'send the part’s bytes as the request body');
    return Response.json(await (await uploadSessions()).append(account, (await params).id, part, request.body as unknown as AsyncIterable<Uint8Array>));
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/uploads/<id>: ends the upload; answers the pinned file's CID and size. */
export async function POST(request: Request, { params }: Context): Promise<Response> {
  try {
    const account = await uploadAccount(request);
    return Response.json(await (await uploadSessions()).finish(account, (await params).id));
  } catch (error) {
    return errorResponse(error);
  }
}

/** DELETE /api/uploads/<id>: abandons the upload. */
export async function DELETE(request: Request, { params }: Context): Promise<Response> {
  try {
    const account = await uploadAccount(request);
    (await uploadSessions()).abort(account, (await params).id);
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error);
  }
}
