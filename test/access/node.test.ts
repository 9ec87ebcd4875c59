/**
 * Key nodes over HTTP, as any Lit-style client would meet them: the SIWE checks of a session's sign-in
 * (expiry, domain, chain, signer, session key), each request answered once even across a restart, the
 * conditions they evaluate themselves, and malformed requests. (test/security/key-signin.test.ts attacks the
 * binding of sign-ins and requests to identities and nodes.)
 */
import { randomBytes } from 'node:crypto';
import { canDecryptConditions, type EvmContractConditions, type KeyEnvelope } from '@/lib/access';
import { accessIdentity } from '@/lib/access/conditions';
import { ENCRYPTION_SIGN_PATH, type ShareRequest } from '@/lib/access/protocol';
import { openKeySession, signShareRequest, type KeySession } from '@/lib/access/session';
import { createAuthSig, type MessageSigner, type SignInOptions } from '@/lib/access/siwe';
import { devAccount } from '@/lib/chain';
import { startKeyNetworkFixture, type KeyNetworkFixture } from './fixture';

const OWNER = 1;
const BUYER = 2;
const STRANGER = 3;

let fixture: KeyNetworkFixture;
let envelope: KeyEnvelope;
let other: bigint;

beforeAll(async () => {
  fixture = await startKeyNetworkFixture();
  const datasetId = await fixture.publish(OWNER);
  other = await fixture.publish(OWNER);
  await fixture.buy(BUYER, datasetId);
  envelope = await fixture.keys.encryptKey(Uint8Array.from(randomBytes(32)), datasetId);
});

afterAll(() => fixture?.stop());

/** Sign-in options valid for this network unless `overrides` say otherwise. */
const signInOptions = (overrides: Partial<SignInOptions> = {}): SignInOptions => ({
  domain: fixture.config.siweDomain,
  uri: fixture.config.web.url,
  chainId: fixture.market.deployments.chainId,
  ...overrides,
});

const identityOf = (conditions: EvmContractConditions) => accessIdentity(conditions, envelope.dataToEncryptHash);

/** A fresh session of `account` (a dev account's index) for the envelope's data under `conditions`. */
async function openSession(account: number | MessageSigner, conditions = envelope.evmContractConditions, overrides: Partial<SignInOptions> = {}): Promise<KeySession> {
  return openKeySession(typeof account === 'number' ? devAccount(account) : account, signInOptions(overrides), [await identityOf(conditions)]);
}

/** `session`'s request for node `node`'s share of the envelope's data under `conditions`. */
async function shareRequest(session: KeySession, node = 0, conditions = envelope.evmContractConditions): Promise<ShareRequest> {
  return signShareRequest(session, { node, network: fixture.info.publicKey }, { ...envelope, evmContractConditions: conditions }, await identityOf(conditions));
}

/** A fresh session's request to node 0. */
async function freshRequest(account: number | MessageSigner, overrides: Partial<SignInOptions> = {}, conditions = envelope.evmContractConditions): Promise<ShareRequest> {
  return shareRequest(await openSession(account, conditions, overrides), 0, conditions);
}

/** POSTs `body` (JSON unless a string) to node `index`'s share endpoint. */
async function askNode(index: number, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${fixture.urls[index]}${ENCRYPTION_SIGN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('a key node', () => {
  it('reports its place in the network and the chain it reads', async () => {
    for (const [index, url] of fixture.urls.entries()) {
      const response = await fetch(`${url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        ok: true,
        index,
        threshold: 2,
        nodes: 3,
        publicKey: fixture.info.publicKey,
        chainId: fixture.market.deployments.chainId,
        chain: 'yellowstone',
        blockNumber: expect.any(Number),
        timings: expect.objectContaining({ wallet: { count: expect.any(Number), ms: expect.any(Number) }, sign: { count: expect.any(Number), ms: expect.any(Number) } }),
      });
    }
  });

  it('releases a share to a licence holder, and every node refuses a stranger with the reason', async () => {
    const granted = await askNode(0, await freshRequest(BUYER));
    expect(granted.status).toBe(200);
    expect(granted.json).toMatchObject({ shareIndex: 0, curveType: 'BLS', dataSigned: expect.stringMatching(/^lit-accesscontrolcondition:\/\/[0-9a-f]{64}\/[0-9a-f]{64}$/) });

    const session = await openSession(STRANGER);
    for (const index of [0, 1, 2]) {
      const refused = await askNode(index, await shareRequest(session, index));
      expect(refused.status).toBe(403);
      expect(refused.json.error).toBe('conditions-not-met');
      expect(refused.json.reason).toMatch(new RegExp(`^${devAccount(STRANGER).address} may not decrypt: canDecrypt\\(\\d+, ${devAccount(STRANGER).address}\\) at 0x[0-9a-fA-F]{40} returned false`));
    }
  });

  it('answers a request once, even across a restart, and the session’s fresh requests after it', async () => {
    const session = await openSession(BUYER);
    const request = await shareRequest(session);
    expect((await askNode(0, request)).status).toBe(200);
    expect(await askNode(0, request)).toMatchObject({ status: 403, json: { error: 'session-replayed' } });
    expect((await askNode(0, await shareRequest(session))).status).toBe(200);

    await fixture.stopNode(0);
    await fixture.startNode(0);
    expect(await askNode(0, request)).toMatchObject({ status: 403, json: { error: 'session-replayed' } });
    expect((await askNode(0, await shareRequest(session))).status).toBe(200);
  });

  it('refuses sign-ins that are expired, too long-lived, for another domain or chain, signed by someone else or naming no session key', async () => {
    const expired = await freshRequest(BUYER, { issuedAt: new Date(Date.now() - 10 * 60_000), lifetimeMs: 5 * 60_000 });
    expect(await askNode(0, expired)).toMatchObject({ status: 403, json: { error: 'siwe-expired' } });
    const tooLong = await freshRequest(BUYER, { lifetimeMs: 60 * 60_000 });
    expect(await askNode(0, tooLong)).toMatchObject({ status: 403, json: { error: 'siwe-expiry-too-far' } });
    const elsewhere = await freshRequest(BUYER, { domain: 'phishing.example' });
    expect(await askNode(0, elsewhere)).toMatchObject({ status: 403, json: { error: 'siwe-wrong-domain', reason: expect.stringContaining('phishing.example') } });
    const otherChain = await freshRequest(BUYER, { chainId: 1 });
    expect(await askNode(0, otherChain)).toMatchObject({ status: 403, json: { error: 'siwe-wrong-chain' } });
    // The stranger signs a message naming the buyer's address.
    const impostor = { ...devAccount(STRANGER), address: devAccount(BUYER).address };
    const forged = await freshRequest(impostor);
    expect(forged.authSig.signedMessage).toContain(devAccount(BUYER).address);
    expect(await askNode(0, forged)).toMatchObject({ status: 403, json: { error: 'siwe-bad-signature' } });
    // A plain sign-in listing the identity but no session key.
    const keyless = { ...(await freshRequest(BUYER)), authSig: await createAuthSig(devAccount(BUYER), signInOptions(), [await identityOf(envelope.evmContractConditions)]) };
    expect(await askNode(0, keyless)).toMatchObject({ status: 403, json: { error: 'siwe-no-session-key' } });
  });

  it('evaluates and/or conditions itself, left to right', async () => {
    const [mine] = envelope.evmContractConditions;
    const [theirs] = canDecryptConditions(fixture.market.deployments, other);
    if (!mine || !theirs) throw new Error('expected one condition each');
    // The buyer holds a licence to the envelope's dataset, not to `other`.
    expect((await askNode(0, await freshRequest(BUYER, {}, [theirs, { operator: 'or' }, mine]))).status).toBe(200);
    expect(await askNode(0, await freshRequest(BUYER, {}, [mine, { operator: 'and' }, theirs]))).toMatchObject({ status: 403, json: { error: 'conditions-not-met' } });
    expect(await askNode(0, await freshRequest(BUYER, {}, [mine, theirs]))).toMatchObject({ status: 400, json: { error: 'unsupported-condition' } });
  });

  it('answers malformed requests and conditions for other chains with 400', async () => {
    const request = await freshRequest(BUYER);
    expect(await askNode(0, '{not json')).toMatchObject({ status: 400, json: { error: 'malformed-json' } });
    expect(await askNode(0, { authSig: request.authSig })).toMatchObject({ status: 400, json: { error: 'malformed-request' } });
    expect(await askNode(0, { ...request, sessionSig: undefined })).toMatchObject({ status: 400, json: { error: 'malformed-request', reason: expect.stringContaining('sessionSig') } });
    const [condition] = envelope.evmContractConditions;
    const onChain = (chain: string) => ({ ...request, evmContractConditions: [{ ...condition, chain }] });
    expect(await askNode(0, onChain('anvil'))).toMatchObject({ status: 400, json: { error: 'invalid-conditions' } });
    expect(await askNode(0, onChain('ethereum'))).toMatchObject({ status: 400, json: { error: 'unsupported-chain' } });
  });
});
