/**
 * The local key network end to end: real anvil and contracts, the ceremony, three key nodes (threshold 2) as
 * HTTP services, and the client. Who may recover a data key is decided by Marketplace.canDecrypt, evaluated
 * by the nodes themselves.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { SecretKey } from '@chainsafe/blst';
import { verifyAndDecryptWithSignatureShares } from '@lit-protocol/crypto';
import { AccessDeniedError, canDecryptConditions, DecryptionFailedError, KeyNetworkUnavailableError, type KeyEnvelope } from '@/lib/access';
import { randomScalar, scalarToBytes, shareX, signShare } from '@/lib/access/bls';
import { accessIdentity } from '@/lib/access/conditions';
import type { LocalKeyNetwork } from '@/lib/access/local';
import type { ShareRequest } from '@/lib/access/protocol';
import { HEDGE_AFTER_MS } from '@/lib/access/shares';
import { contractsOf } from '@/lib/contracts';
import { DAY } from '@/lib/licence';
import { devAccount } from '@/lib/chain';
import { startKeyNetworkFixture, type KeyNetworkFixture } from './fixture';

const OWNER = 1;
const BUYER = 2;
const STRANGER = 3;

let fixture: KeyNetworkFixture;
let datasetId: bigint;
let dataKey: Uint8Array;
let envelope: KeyEnvelope;

beforeAll(async () => {
  fixture = await startKeyNetworkFixture();
  datasetId = await fixture.publish(OWNER);
  await fixture.buy(BUYER, datasetId);
  dataKey = Uint8Array.from(randomBytes(32));
  envelope = await fixture.keys.encryptKey(dataKey, datasetId);
});

afterAll(() => fixture?.stop());

/** The local client, for the phases of a decryption (open a session, gather shares, open with them). */
const localKeys = () => fixture.keys as LocalKeyNetwork;

describe('the local key network', () => {
  it('wraps the key under Lit conditions that call Marketplace.canDecrypt for the signed-in account', () => {
    expect(envelope).toMatchObject({ network: 'local', chain: 'yellowstone', dataToEncryptHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(envelope.evmContractConditions).toEqual([
      expect.objectContaining({
        contractAddress: fixture.market.deployments.contracts.marketplace,
        functionName: 'canDecrypt',
        functionParams: [datasetId.toString(), ':userAddress'],
        returnValueTest: { key: '', comparator: '=', value: 'true' },
      }),
    ]);
    expect(Buffer.from(envelope.ciphertext, 'base64').includes(Buffer.from(dataKey))).toBe(false);
  });

  it('gives the exact key back to the owner and to a licence holder', async () => {
    expect(await fixture.keys.decryptKey(envelope, devAccount(OWNER))).toEqual(dataKey);
    expect(await fixture.keys.decryptKey(envelope, devAccount(BUYER))).toEqual(dataKey);
  });

  it('refuses an account without a licence, with the nodes’ reason', async () => {
    const refused = fixture.keys.decryptKey(envelope, devAccount(STRANGER));
    await expect(refused).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(refused).rejects.toThrow(new RegExp(`${devAccount(STRANGER).address} may not decrypt: canDecrypt\\(${datasetId}, ${devAccount(STRANGER).address}\\) at .* returned false`));
    const error = (await refused.catch((e: unknown) => e)) as AccessDeniedError;
    expect(error.refusals.every((refusal) => refusal.status === 403 && refusal.code === 'conditions-not-met')).toBe(true);
  });

  it('stops releasing the key when the licence expires', async () => {
    const shortLived = await fixture.publish(OWNER, { accessDuration: 1n * DAY });
    await fixture.buy(BUYER, shortLived);
    const wrapped = await fixture.keys.encryptKey(dataKey, shortLived);
    expect(await fixture.keys.decryptKey(wrapped, devAccount(BUYER))).toEqual(dataKey);

    // The default terms of the other datasets last 30 days: two days on, only this licence has lapsed.
    await fixture.market.testClient.increaseTime({ seconds: Number(2n * DAY) });
    await fixture.market.testClient.mine({ blocks: 1 });
    await expect(fixture.keys.decryptKey(wrapped, devAccount(BUYER))).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await fixture.keys.decryptKey(wrapped, devAccount(OWNER))).toEqual(dataKey);
  });

  it('keeps releasing the key to earlier buyers of a delisted dataset', async () => {
    const delisted = await fixture.publish(OWNER);
    await fixture.buy(BUYER, delisted);
    const wrapped = await fixture.keys.encryptKey(dataKey, delisted);
    const hash = await fixture.market.wallet(OWNER).writeContract({
      ...contractsOf(fixture.market.deployments).registry,
      functionName: 'delist',
      args: [delisted],
    });
    await fixture.market.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 25 });
    expect(await fixture.keys.decryptKey(wrapped, devAccount(BUYER))).toEqual(dataKey);
  });

  it('makes shares for one dataset useless for another', async () => {
    const other = await fixture.publish(OWNER);
    const otherKey = Uint8Array.from(randomBytes(32));
    const otherEnvelope = await fixture.keys.encryptKey(otherKey, other);
    // The buyer legitimately gets shares for dataset A …
    const forA = await localKeys().gatherShares(envelope, await localKeys().openSession(devAccount(BUYER), [envelope]));
    const forB = await localKeys().gatherShares(otherEnvelope, await localKeys().openSession(devAccount(OWNER), [otherEnvelope]));
    const forBIdentity = new TextEncoder().encode(forB.identity);
    const { publicKey } = fixture.info;
    // … which open neither B's ciphertext under B's identity, nor under A's. (Lit's wasm rejects with strings.)
    const outcome = (opening: Promise<Uint8Array>) => opening.then(() => 'opened', (reason: unknown) => String(reason));
    expect(await outcome(verifyAndDecryptWithSignatureShares(publicKey, forBIdentity, otherEnvelope.ciphertext, forA.shares))).toMatch(/Verification failed/);
    expect(await outcome(verifyAndDecryptWithSignatureShares(publicKey, new TextEncoder().encode(forA.identity), otherEnvelope.ciphertext, forA.shares))).toMatch(
      /Decryption failed/,
    );
    expect(await verifyAndDecryptWithSignatureShares(publicKey, forBIdentity, otherEnvelope.ciphertext, forB.shares)).toEqual(otherKey);
  });

  it('fails to open an envelope whose conditions were altered', async () => {
    // The owner of both datasets passes either condition, so the nodes grant shares — for the wrong identity.
    const other = await fixture.publish(OWNER);
    const tampered: KeyEnvelope = { ...envelope, evmContractConditions: canDecryptConditions(fixture.market.deployments, other) };
    await expect(fixture.keys.decryptKey(tampered, devAccount(OWNER))).rejects.toBeInstanceOf(DecryptionFailedError);
    // For the buyer (no licence to the other dataset) the altered conditions do not even pass.
    await expect(fixture.keys.decryptKey(tampered, devAccount(BUYER))).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('asks the remaining node when one it asked does not answer', async () => {
    // Node 2's port answers nothing: a hung node. The client asks two nodes, then the third after HEDGE_AFTER_MS.
    await fixture.stopNode(2);
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(Number(new URL(fixture.urls[2]!).port), '127.0.0.1', resolve));
    try {
      for (let i = 0; i < 4; i++) {
        const started = Date.now();
        expect(await fixture.keys.decryptKey(envelope, devAccount(BUYER))).toEqual(dataKey);
        expect(Date.now() - started).toBeLessThan(HEDGE_AFTER_MS + 5_000);
      }
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      await fixture.startNode(2);
    }
  });

  it('asks again, checking each share, when a node’s share does not combine', async () => {
    // Node 2's port answers every request with a well-formed share signed by a key that is not its share.
    await fixture.stopNode(2);
    const wrongKey = SecretKey.fromBytes(scalarToBytes(randomScalar()));
    let lies = 0;
    const liar = createServer((request, response) => {
      lies++;
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ShareRequest;
        const identity = await accessIdentity(body.evmContractConditions, body.dataToEncryptHash);
        const signatureShare = signShare(wrongKey, shareX(2), new TextEncoder().encode(identity));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ signatureShare, shareIndex: 2, curveType: 'BLS', dataSigned: identity }));
      })();
    });
    await new Promise<void>((resolve) => liar.listen(Number(new URL(fixture.urls[2]!).port), '127.0.0.1', resolve));
    try {
      // The client starts at a random node: over a few tries the liar is among the first asked.
      for (let i = 0; i < 8; i++) expect(await fixture.keys.decryptKey(envelope, devAccount(BUYER))).toEqual(dataKey);
      expect(lies).toBeGreaterThan(0);
    } finally {
      liar.closeAllConnections();
      await new Promise((resolve) => liar.close(resolve));
      await fixture.startNode(2);
    }
  });

  it('decrypts with one of three nodes down, and reports the network unavailable with two down', async () => {
    await fixture.stopNode(0);
    expect(await fixture.keys.decryptKey(envelope, devAccount(BUYER))).toEqual(dataKey);
    await fixture.stopNode(1);
    const unavailable = fixture.keys.decryptKey(envelope, devAccount(BUYER));
    await expect(unavailable).rejects.toBeInstanceOf(KeyNetworkUnavailableError);
    const error = (await unavailable.catch((e: unknown) => e)) as KeyNetworkUnavailableError;
    expect(error.message).toMatch(/^only [01] of the 2 key node shares needed arrived/);
    expect(error.failures.map((failure) => failure.url).sort()).toEqual([fixture.urls[0], fixture.urls[1]].sort());
    expect(await fixture.keys.health()).toMatchObject({ ok: false, up: 1, threshold: 2 });

    await fixture.startNode(0);
    expect(await fixture.keys.decryptKey(envelope, devAccount(BUYER))).toEqual(dataKey);
  });
});
