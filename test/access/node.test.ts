/**
 * Key nodes over HTTP, as any Lit-style client would meet them: the SIWE checks (single use even across a
 * restart, expiry, domain, chain, signer), the conditions they evaluate themselves, and malformed requests.
 */
import { randomBytes } from 'node:crypto';
import { canDecryptConditions, type EvmContractConditions, type KeyEnvelope } from '@/lib/access';
import { ENCRYPTION_SIGN_PATH, type ShareRequest } from '@/lib/access/protocol';
import type { LocalAccount } from 'viem';
import { createAuthSig, type AuthSig, type SignInOptions } from '@/lib/access/siwe';
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

/** A fresh sign-in of `account` (a dev account's index), valid for this network unless `overrides` say otherwise. */
function signIn(account: number | LocalAccount, overrides: Partial<SignInOptions> = {}): Promise<AuthSig> {
  return createAuthSig(typeof account === 'number' ? devAccount(account) : account, { domain: fixture.config.siweDomain, uri: fixture.config.web.url, chainId: fixture.market.deployments.chainId, ...overrides });
}

function shareRequest(authSig: AuthSig, evmContractConditions: EvmContractConditions = envelope.evmContractConditions): ShareRequest {
  return { authSig, evmContractConditions, dataToEncryptHash: envelope.dataToEncryptHash, chain: envelope.chain };
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
      });
    }
  });

  it('releases a share to a licence holder, and every node refuses a stranger with the reason', async () => {
    const granted = await askNode(0, shareRequest(await signIn(BUYER)));
    expect(granted.status).toBe(200);
    expect(granted.json).toMatchObject({ shareIndex: 0, curveType: 'BLS', dataSigned: expect.stringMatching(/^lit-accesscontrolcondition:\/\/[0-9a-f]{64}\/[0-9a-f]{64}$/) });

    const authSig = await signIn(STRANGER);
    for (const index of [0, 1, 2]) {
      const refused = await askNode(index, shareRequest(authSig));
      expect(refused.status).toBe(403);
      expect(refused.json.error).toBe('conditions-not-met');
      expect(refused.json.reason).toMatch(new RegExp(`^${devAccount(STRANGER).address} may not decrypt: canDecrypt\\(\\d+, ${devAccount(STRANGER).address}\\) at 0x[0-9a-fA-F]{40} returned false`));
    }
  });

  it('accepts a signed message once per node, even across a restart', async () => {
    const request = shareRequest(await signIn(BUYER));
    expect((await askNode(0, request)).status).toBe(200);
    expect(await askNode(0, request)).toMatchObject({ status: 403, json: { error: 'siwe-replayed' } });
    // Each node keeps its own record: the client sends the same message to all of them.
    expect((await askNode(1, request)).status).toBe(200);

    await fixture.stopNode(0);
    await fixture.startNode(0);
    expect(await askNode(0, request)).toMatchObject({ status: 403, json: { error: 'siwe-replayed' } });
  });

  it('refuses sign-ins that are expired, too long-lived, for another domain or chain, or signed by someone else', async () => {
    const expired = await signIn(BUYER, { issuedAt: new Date(Date.now() - 10 * 60_000), lifetimeMs: 5 * 60_000 });
    expect(await askNode(0, shareRequest(expired))).toMatchObject({ status: 403, json: { error: 'siwe-expired' } });
    const tooLong = await signIn(BUYER, { lifetimeMs: 60 * 60_000 });
    expect(await askNode(0, shareRequest(tooLong))).toMatchObject({ status: 403, json: { error: 'siwe-expiry-too-far' } });
    const elsewhere = await signIn(BUYER, { domain: 'phishing.example' });
    expect(await askNode(0, shareRequest(elsewhere))).toMatchObject({ status: 403, json: { error: 'siwe-wrong-domain', reason: expect.stringContaining('phishing.example') } });
    const otherChain = await signIn(BUYER, { chainId: 1 });
    expect(await askNode(0, shareRequest(otherChain))).toMatchObject({ status: 403, json: { error: 'siwe-wrong-chain' } });
    // The stranger signs a message naming the buyer's address.
    const impostor = { ...devAccount(STRANGER), address: devAccount(BUYER).address };
    const forged = await signIn(impostor);
    expect(forged.signedMessage).toContain(devAccount(BUYER).address);
    expect(await askNode(0, shareRequest(forged))).toMatchObject({ status: 403, json: { error: 'siwe-bad-signature' } });
  });

  it('evaluates and/or conditions itself, left to right', async () => {
    const [mine] = envelope.evmContractConditions;
    const [theirs] = canDecryptConditions(fixture.market.deployments, other);
    if (!mine || !theirs) throw new Error('expected one condition each');
    // The buyer holds a licence to the envelope's dataset, not to `other`.
    expect((await askNode(0, shareRequest(await signIn(BUYER), [theirs, { operator: 'or' }, mine]))).status).toBe(200);
    expect(await askNode(0, shareRequest(await signIn(BUYER), [mine, { operator: 'and' }, theirs]))).toMatchObject({ status: 403, json: { error: 'conditions-not-met' } });
    expect(await askNode(0, shareRequest(await signIn(BUYER), [mine, theirs]))).toMatchObject({ status: 400, json: { error: 'unsupported-condition' } });
  });

  it('answers malformed requests and conditions for other chains with 400', async () => {
    const authSig = await signIn(BUYER);
    expect(await askNode(0, '{not json')).toMatchObject({ status: 400, json: { error: 'malformed-json' } });
    expect(await askNode(0, { authSig })).toMatchObject({ status: 400, json: { error: 'malformed-request' } });
    const [condition] = envelope.evmContractConditions;
    const onChain = (chain: string) => ({ ...shareRequest(authSig), evmContractConditions: [{ ...condition, chain }] });
    expect(await askNode(0, onChain('anvil'))).toMatchObject({ status: 400, json: { error: 'invalid-conditions' } });
    expect(await askNode(0, onChain('ethereum'))).toMatchObject({ status: 400, json: { error: 'unsupported-chain' } });
  });
});
