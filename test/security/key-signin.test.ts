/**
 * Issue 15, attack 7: a key-node sign-in was not bound to what it unlocks. The same SIWE message went to every
 * node, so a malicious node (or anyone who saw a request) could replay it at a node that had not seen its
 * nonce, for any identity the user is entitled to, and add its own share to reach the threshold. Now a
 * sign-in lists the identities it is for and a session key, and every request is signed by that key for one
 * node with a nonce of its own. Real key nodes over HTTP, real contracts on anvil.
 */
import { randomBytes } from 'node:crypto';
import { KeySessionError, type KeyEnvelope } from '@/lib/access';
import { accessIdentity } from '@/lib/access/conditions';
import type { LocalKeyNetwork } from '@/lib/access/local';
import { ENCRYPTION_SIGN_PATH, sessionPayload, type ShareRequest } from '@/lib/access/protocol';
import { openKeySession, signShareRequest, type KeySession } from '@/lib/access/session';
import type { MessageSigner, SignInOptions } from '@/lib/access/siwe';
import { devAccount } from '@/lib/chain';
import { startKeyNetworkFixture, type KeyNetworkFixture } from '../access/fixture';

const OWNER = 1;
const BUYER = 2;

let fixture: KeyNetworkFixture;
/** Two datasets the buyer holds a licence to, with their data keys. */
const datasets: { key: Uint8Array; envelope: KeyEnvelope; identity: string }[] = [];

beforeAll(async () => {
  fixture = await startKeyNetworkFixture();
  for (let i = 0; i < 2; i++) {
    const id = await fixture.publish(OWNER);
    await fixture.buy(BUYER, id);
    const key = Uint8Array.from(randomBytes(32));
    const envelope = await fixture.keys.encryptKey(key, id);
    datasets.push({ key, envelope, identity: await accessIdentity(envelope.evmContractConditions, envelope.dataToEncryptHash) });
  }
});

afterAll(() => fixture?.stop());

const keys = () => fixture.keys as LocalKeyNetwork;

const signInOptions = (overrides: Partial<SignInOptions>): SignInOptions => ({
  domain: fixture.config.siweDomain,
  uri: fixture.config.web.url,
  chainId: fixture.market.deployments.chainId,
  ...overrides,
});

/** The buyer's wallet, counting the messages it is asked to sign. */
function countingWallet(): MessageSigner & { signatures: number } {
  const account = devAccount(BUYER);
  const wallet = {
    address: account.address,
    signatures: 0,
    signMessage: (args: Parameters<typeof account.signMessage>[0]) => {
      wallet.signatures++;
      return account.signMessage(args);
    },
  };
  return wallet;
}

/** `session`'s request for node `node`'s share of dataset `which`. */
function requestFor(session: KeySession, node: number, which = 0): Promise<ShareRequest> {
  const { envelope, identity } = datasets[which]!;
  return signShareRequest(session, { node, network: fixture.info.publicKey }, envelope, identity);
}

async function askNode(index: number, request: ShareRequest): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${fixture.urls[index]}${ENCRYPTION_SIGN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('a key-node sign-in (issue 15, attack 7)', () => {
  it('is refused for an identity it does not list, with the named reason', async () => {
    const session = await keys().openSession(devAccount(BUYER), [datasets[0]!.envelope]);
    // The buyer may decrypt dataset 1 too, but this sign-in was not given for it.
    for (const node of [0, 1, 2]) {
      expect(await askNode(node, await requestFor(session, node, 1))).toMatchObject({ status: 403, json: { error: 'siwe-wrong-resource', reason: expect.stringContaining(datasets[1]!.identity) } });
    }
    await expect(fixture.keys.decryptKey(datasets[1]!.envelope, session)).rejects.toBeInstanceOf(KeySessionError);
    expect(await fixture.keys.decryptKey(datasets[0]!.envelope, session)).toEqual(datasets[0]!.key);
  });

  it('refuses a request captured at node 0 and replayed at node 1, which has not seen it', async () => {
    const session = await keys().openSession(devAccount(BUYER), [datasets[0]!.envelope]);
    const captured = await requestFor(session, 0);
    expect((await askNode(0, captured)).status).toBe(200);
    expect(await askNode(1, captured)).toMatchObject({ status: 403, json: { error: 'session-wrong-node' } });
    // Relabelling it for node 1 breaks the session key's signature.
    expect(await askNode(1, { ...captured, sessionSig: { ...captured.sessionSig, node: 1 } })).toMatchObject({ status: 403, json: { error: 'session-bad-signature' } });
  });

  it('refuses a request replayed at the same node', async () => {
    const session = await keys().openSession(devAccount(BUYER), [datasets[0]!.envelope]);
    const request = await requestFor(session, 2);
    expect((await askNode(2, request)).status).toBe(200);
    expect(await askNode(2, request)).toMatchObject({ status: 403, json: { error: 'session-replayed' } });
  });

  it('decrypts two datasets with one wallet signature', async () => {
    const wallet = countingWallet();
    const session = await keys().openSession(wallet, datasets.map(({ envelope }) => envelope));
    for (const { envelope, key } of datasets) expect(await fixture.keys.decryptKey(envelope, session)).toEqual(key);
    expect(wallet.signatures).toBe(1);
    // Without a session, each decryption is a one-envelope session: one signature each.
    await fixture.keys.decryptKey(datasets[0]!.envelope, wallet);
    expect(wallet.signatures).toBe(2);
  });

  it('refuses an expired session, whether the node has cached it or not', async () => {
    const expired = await openKeySession(devAccount(BUYER), signInOptions({ issuedAt: new Date(Date.now() - 10 * 60_000), lifetimeMs: 5 * 60_000 }), [datasets[0]!.identity]);
    expect(await askNode(0, await requestFor(expired, 0))).toMatchObject({ status: 403, json: { error: 'siwe-expired' } });
    await expect(fixture.keys.decryptKey(datasets[0]!.envelope, expired)).rejects.toBeInstanceOf(KeySessionError);

    // A session node 1 verified and cached stops working when it expires.
    const brief = await openKeySession(devAccount(BUYER), signInOptions({ lifetimeMs: 1_500 }), [datasets[0]!.identity]);
    expect((await askNode(1, await requestFor(brief, 1))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, brief.expiresAt - Date.now() + 50));
    expect(await askNode(1, await requestFor(brief, 1))).toMatchObject({ status: 403, json: { error: 'siwe-expired' } });
  });

  it('refuses a request signed by another session key than the one the sign-in names', async () => {
    const session = await keys().openSession(devAccount(BUYER), [datasets[0]!.envelope]);
    const other = await keys().openSession(devAccount(BUYER), [datasets[0]!.envelope]);
    const request = await requestFor(session, 0);
    const { nonce } = request.sessionSig;
    const forged = Buffer.from(await other.sign(sessionPayload(session.publicKey, { node: 0, network: fixture.info.publicKey }, datasets[0]!.identity, nonce))).toString('hex');
    expect(await askNode(0, { ...request, sessionSig: { ...request.sessionSig, sig: forged } })).toMatchObject({ status: 403, json: { error: 'session-bad-signature' } });
    // The other session's sign-in with this session's request fails the same way.
    expect(await askNode(0, { ...request, authSig: other.authSig })).toMatchObject({ status: 403, json: { error: 'session-bad-signature' } });
    expect((await askNode(0, request)).status).toBe(200);
  });
});
