import fc from 'fast-check';
import type { Hex } from 'viem';
import {
  agreementPublicKey,
  AgreementKeyError,
  decodeFixed,
  encodeFixed,
  generateAgreementKeyPair,
  MaskContextError,
  MAX_VECTOR_LENGTH,
  maskVector,
  ringAdd,
  sharedSecret,
  type AgreementKeyPair,
  type MaskContext,
} from '@/lib/federated';

const base: Omit<MaskContext, 'participants'> = { chainId: 31337, computeMarket: '0x5FbDB2315678afecb367f032d7c60a180aa3F6b0', firstJobId: 7n, round: 0, attempt: 0 };

interface Node {
  providerId: bigint;
  keys: AgreementKeyPair;
}

async function nodes(providerIds: readonly bigint[]): Promise<Node[]> {
  return Promise.all(providerIds.map(async (providerId) => ({ providerId, keys: await generateAgreementKeyPair() })));
}

/** `vector` masked by `node` for an attempt of `all`, its peers' keys read as the chain would give them. */
function masked(vector: BigUint64Array, node: Node, all: readonly Node[], context: Partial<MaskContext> = {}): Promise<BigUint64Array> {
  const peers = all.filter((peer) => peer !== node).map((peer) => ({ providerId: peer.providerId, agreementKey: peer.keys.publicKey }));
  return maskVector(vector, { context: { ...base, participants: all.map((n) => n.providerId), ...context }, providerId: node.providerId, secretKey: node.keys.secretKey, peers });
}

const providerIds = (min: number, max: number) =>
  fc.uniqueArray(fc.bigInt({ min: 1n, max: 2n ** 64n }), { minLength: min, maxLength: max }).map((ids) => [...ids].sort((a, b) => (a < b ? -1 : 1)));

describe('pairwise masks', () => {
  it('give both sides of a pair the same X25519 secret, and the public key the chain stores as bytes32', async () => {
    const [a, b] = [await generateAgreementKeyPair(), await generateAgreementKeyPair()];
    expect(a.publicKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await agreementPublicKey(a.secretKey)).toBe(a.publicKey);
    expect(await sharedSecret(a.secretKey, b.publicKey)).toEqual(await sharedSecret(b.secretKey, a.publicKey));
    expect(await sharedSecret(a.secretKey, b.publicKey)).not.toEqual(await sharedSecret(a.secretKey, (await generateAgreementKeyPair()).publicKey));
  });

  it('cancel exactly in the sum of 2 to 5 participants’ vectors', async () => {
    await fc.assert(
      fc.asyncProperty(
        providerIds(2, 5),
        fc.integer({ min: 2, max: 40 }),
        fc.nat({ max: 10 }),
        fc.nat({ max: 3 }),
        async (ids, length, round, attempt) => {
          const all = await nodes(ids);
          const vectors = all.map(() => encodeFixed(Array.from({ length }, () => (Math.random() - 0.5) * 1e4)));
          const maskedVectors = await Promise.all(all.map((node, i) => masked(vectors[i]!, node, all, { round, attempt })));
          expect(maskedVectors.reduce(ringAdd)).toEqual(vectors.reduce(ringAdd));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('take the peers in any order', async () => {
    const all = await nodes([4n, 9n, 12n]);
    const vector = encodeFixed([1, 2, 3]);
    const peers = all.slice(1).map((peer) => ({ providerId: peer.providerId, agreementKey: peer.keys.publicKey }));
    const context = { ...base, participants: [4n, 9n, 12n] };
    const forward = await maskVector(vector, { context, providerId: 4n, secretKey: all[0]!.keys.secretKey, peers });
    expect(await maskVector(vector, { context, providerId: 4n, secretKey: all[0]!.keys.secretKey, peers: [...peers].reverse() })).toEqual(forward);
  });

  it('hide a vector: one masked update decodes to numbers nowhere near a clipped update', async () => {
    const all = await nodes([1n, 2n, 3n]);
    const update = encodeFixed(Array.from({ length: 1_000 }, () => Math.random() - 0.5));
    const seen = decodeFixed(await masked(update, all[1]!, all));
    // A uniform 64-bit word decodes within ±10^6 with chance 2·10^6·2^24/2^64 ≈ 2·10^-6: none of 1,000 should.
    expect(seen.filter((x) => Math.abs(x) <= 1e6)).toEqual(new Float64Array());
    const sorted = [...seen].map(Math.abs).sort((a, b) => a - b);
    expect(sorted[500]).toBeGreaterThan(1e10);
  });

  it('are fresh for every round, attempt, set of participants and run', async () => {
    const all = await nodes([1n, 2n, 3n]);
    const zero = new BigUint64Array(16);
    const of = (context: Partial<MaskContext>, who = all) => masked(zero, all[0]!, who, context);
    const masks = await Promise.all([
      of({}),
      of({ round: 1 }),
      of({ attempt: 1 }),
      of({}, all.slice(0, 2)),
      of({ firstJobId: 8n }),
      of({ chainId: 1 }),
      of({ computeMarket: '0x0000000000000000000000000000000000000001' }),
    ]);
    const distinct = new Set(masks.map((mask) => mask.join(',')));
    expect(distinct.size).toBe(masks.length);
    // Still cancelling in each: both sides of every pair derive the same stream from the same context.
    const retried = await Promise.all(all.map((node) => masked(zero, node, all, { attempt: 1 })));
    expect(retried.reduce(ringAdd)).toEqual(zero);
  });

  it('read the market’s address in any case', async () => {
    const all = await nodes([1n, 2n]);
    const zero = new BigUint64Array(4);
    expect(await masked(zero, all[0]!, all, { computeMarket: base.computeMarket.toLowerCase() as Hex })).toEqual(await masked(zero, all[0]!, all));
  });

  const key = (hex: string): Hex => `0x${hex}`;
  it.each([
    ['unset (zero)', key('00'.repeat(32)), 'published no agreement key'],
    ['of order 1 (u = 1)', key(`01${'00'.repeat(31)}`), 'low order'],
    ['of order 8', key('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), 'low order'],
    ['of order 8 (the other root)', key('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), 'low order'],
    ['of order 4 (u = p − 1)', key(`ec${'ff'.repeat(30)}7f`), 'low order'],
    ['non-canonical (u = p)', key(`ed${'ff'.repeat(30)}7f`), 'not a canonical'],
    ['with the top bit set', key('ff'.repeat(32)), 'not a canonical'],
    ['short', key('ab'.repeat(31)), 'not 32 bytes'],
    ['not hex', key('zz'.repeat(32)), 'not 32 bytes'],
  ])('refuse a peer key %s with an AgreementKeyError', async (_name, peerKey, words) => {
    const own = await generateAgreementKeyPair();
    const attempt = maskVector(new BigUint64Array(4), { context: { ...base, participants: [1n, 2n] }, providerId: 1n, secretKey: own.secretKey, peers: [{ providerId: 2n, agreementKey: peerKey }] });
    await expect(attempt).rejects.toThrow(AgreementKeyError);
    await expect(sharedSecret(own.secretKey, peerKey)).rejects.toThrow(words);
  });

  it('refuse a peer that published this node’s own key', async () => {
    const own = await generateAgreementKeyPair();
    await expect(sharedSecret(own.secretKey, own.publicKey, 'provider 2')).rejects.toThrow(/provider 2 published this node’s own key/);
    await expect(sharedSecret(own.secretKey, own.publicKey.toUpperCase().replace('0X', '0x') as Hex)).rejects.toThrow(AgreementKeyError);
  });

  it.each<[string, Partial<MaskContext> & { providerId?: bigint; drop?: boolean; length?: number }]>([
    ['a provider not among the participants', { providerId: 4n }],
    ['participants out of order', { participants: [3n, 1n, 2n] }],
    ['a participant twice', { participants: [1n, 2n, 2n, 3n] }],
    ['a single participant', { participants: [1n] }],
    ['a peer’s key missing', { drop: true }],
    ['an unknown run', { firstJobId: 0n }],
    ['a negative round', { round: -1 }],
    ['a fractional attempt', { attempt: 0.5 }],
    ['no chain', { chainId: 0 }],
    ['a market that is no address', { computeMarket: '0x1234' }],
    ['a vector of one element', { length: 1 }],
    ['a vector longer than any plan’s, d+2 at the largest dimension', { length: MAX_VECTOR_LENGTH + 1 }],
  ])('refuse %s with a MaskContextError', async (_name, change) => {
    const all = await nodes([1n, 2n, 3n]);
    const { providerId = 1n, drop = false, length = 4, ...context } = change;
    const peers = all.slice(1, drop ? 2 : 3).map((peer) => ({ providerId: peer.providerId, agreementKey: peer.keys.publicKey }));
    const attempt = maskVector(new BigUint64Array(length), { context: { ...base, participants: [1n, 2n, 3n], ...context }, providerId, secretKey: all[0]!.keys.secretKey, peers });
    await expect(attempt).rejects.toThrow(MaskContextError);
  });
});
