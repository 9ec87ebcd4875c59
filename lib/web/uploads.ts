/**
 * The upload routes' work (/api/uploads…): sign-in for a funded account, then an upload session that streams
 * ciphertext parts into the content store (lib/storage/uploads.ts). Every step but the sign-in needs the bearer
 * token of the account that opened the upload: an upload id alone is not enough.
 */
import { readRequestJson, UploadError } from '../storage/uploads';
import { answering, NO_STORE } from './responses';
import { uploadAccount, uploadSessions, uploadSignIns } from './services';

/** GET /api/uploads/sign-in?address=0x…: the SIWE message that account signs to upload. */
export function signInMessage(request: Request): Promise<Response> {
  return answering(async () => {
    const address = new URL(request.url).searchParams.get('address') ?? '';
    return Response.json({ message: (await uploadSignIns()).message(address) }, { headers: NO_STORE });
  });
}

/** POST /api/uploads/sign-in {message, signature}: a token for a funded signer, `{ token, address, expiresAt }`. */
export function signIn(request: Request): Promise<Response> {
  return answering(async () => {
    const body = await readRequestJson(request);
    return Response.json(await (await uploadSignIns()).signIn(body.message, body.signature), { headers: NO_STORE });
  });
}

/** POST /api/uploads {size}: opens an upload of `size` bytes of ciphertext for a signed-in account holding gas money. */
export function openUpload(request: Request): Promise<Response> {
  return answering(async () => {
    const account = await uploadAccount(request);
    await (await uploadSignIns()).requireFunded(account);
    const body = await readRequestJson(request);
    return Response.json((await uploadSessions()).start(account, body.size), { status: 201 });
  });
}

/** PUT /api/uploads/<id>?part=N: the next part of the ciphertext, streamed into IPFS. */
export function appendPart(request: Request, id: string): Promise<Response> {
  return answering(async () => {
    const account = await uploadAccount(request);
    // Decimal digits only: Number() reads a missing or empty ?part= as 0, and "1e0", "0x1" or " 1" as numbers.
    const query = new URL(request.url).searchParams.get('part') ?? '';
    const part = /^(0|[1-9][0-9]{0,15})$/.test(query) ? Number(query) : Number.NaN;
    if (!Number.isSafeInteger(part)) throw new UploadError(400, 'bad-part', 'the part number is missing or not a whole number', 'send ?part=0, 1, 2… in order');
    if (!request.body) throw new UploadError(400, 'empty-part', 'the part has no body', 'send the part’s bytes as the request body');
    // Node's web streams are async iterables; the DOM typings do not say so.
    return Response.json(await (await uploadSessions()).append(account, id, part, request.body as unknown as AsyncIterable<Uint8Array>));
  });
}

/** POST /api/uploads/<id>: ends the upload; answers the pinned file's CID and size. */
export function finishUpload(request: Request, id: string): Promise<Response> {
  return answering(async () => {
    const account = await uploadAccount(request);
    return Response.json(await (await uploadSessions()).finish(account, id));
  });
}

/** DELETE /api/uploads/<id>: abandons the upload. */
export function abortUpload(request: Request, id: string): Promise<Response> {
  return answering(async () => {
    const account = await uploadAccount(request);
    (await uploadSessions()).abort(account, id);
    return new Response(null, { status: 204 });
  });
}
