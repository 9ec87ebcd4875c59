/**
 * The server's half of publishing from the browser: licence terms with their legal text stored, where the
 * browser encrypts a data key to, and the signed dataset documents it stores. The browser signs and sends the
 * transactions itself; nothing here holds a key or an account.
 */
import { isAddress } from 'viem';
import { KeyEnvelopeError } from '../access';
import type { MetadataGrant } from '../metadata';
import { prepareTerms } from '../market/terms';
import { answering, NO_STORE } from './responses';
import { contentStore, deployments, keyNetwork, metadataDomain, metadataStore } from './services';

/** A JSON body, or null when there is none or it does not parse: the checks below say what was wrong. */
const bodyOf = (request: Request): Promise<unknown> => request.json().catch(() => null);

/** POST /api/terms: checks the licence, stores its legal text on IPFS and answers the complete on-chain terms. */
export function termsAnswer(request: Request): Promise<Response> {
  return answering(async () => Response.json(await prepareTerms(await bodyOf(request), await deployments(), await contentStore())));
}

/** POST /api/keys/target {datasetId, dataToEncryptHash}: the key network's public key and the conditions' identity. */
export function encryptionTargetAnswer(request: Request): Promise<Response> {
  return answering(async () => {
    const body = ((await bodyOf(request)) ?? {}) as { datasetId?: unknown; dataToEncryptHash?: unknown };
    const id = typeof body.datasetId === 'string' && /^[1-9]\d{0,30}$/.test(body.datasetId) ? BigInt(body.datasetId) : undefined;
    const hash = typeof body.dataToEncryptHash === 'string' && /^[0-9a-f]{64}$/.test(body.dataToEncryptHash) ? body.dataToEncryptHash : undefined;
    if (id === undefined || hash === undefined) throw new KeyEnvelopeError('the request needs datasetId (a positive whole number as a string) and dataToEncryptHash (64 lowercase hex digits)', 'send both, as the publish wizard does');
    return Response.json(await (await keyNetwork()).encryptionTarget(id, hash));
  });
}

/** POST /api/metadata {signed, grant?}: stores a document once its schema and EIP-712 signature check out; answers its CID. */
export function storeDocumentAnswer(request: Request): Promise<Response> {
  return answering(async () => {
    const body = (await bodyOf(request)) as { signed?: unknown; grant?: MetadataGrant } | null;
    const { cid } = await (await metadataStore()).putSigned(body?.signed, await metadataDomain(), body?.grant);
    return Response.json({ cid }, { status: 201 });
  });
}

/** GET /api/metadata/grant?address=0x…: the message a publisher signs so the store may write for them, or null. */
export function grantRequestAnswer(request: Request): Promise<Response> {
  return answering(async () => {
    const address = new URL(request.url).searchParams.get('address') ?? '';
    if (!isAddress(address)) return Response.json({ error: 'BadRequest', message: 'address must be an EVM address', hint: 'pass ?address=0x…' }, { status: 400 });
    const message = await (await metadataStore()).grantRequest(address, await metadataDomain());
    return Response.json({ message: message ?? null }, { headers: NO_STORE });
  });
}
