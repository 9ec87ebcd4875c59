import {
  aggregateRound,
  AggregationError,
  clipToNorm,
  decodeFixed,
  encodeFixed,
  FederatedUpdateError,
  fedAvgStep,
  generateAgreementKeyPair,
  maskVector,
  parseLocalUpdate,
  sumMasked,
  weightedRelease,
  type LocalUpdate,
  type MaskContext,
} from '@/lib/federated';
import { seededRandom } from '../privacy/seeded';

const context = (participants: bigint[], attempt = 0): MaskContext => ({
  chainId: 31337,
  computeMarket: '0x5FbDB2315678afecb367f032d7c60a180aa3F6b0',
  firstJobId: 12n,
  round: 3,
  attempt,
  participants,
});

/** Each provider's masked release of its update for one attempt among `attending` (indices into the providers). */
async function attemptOf(updates: LocalUpdate[], attending: number[], attempt: number, plan = { clip: 10, noiseMultiplier: 0 }): Promise<BigUint64Array[]> {
  const providers = await Promise.all(updates.map(async (_, i) => ({ providerId: BigInt(i + 1), keys: await generateAgreementKeyPair() })));
  const present = attending.map((i) => providers[i]!);
  return Promise.all(
    present.map((self) => {
      const peers = present.filter((peer) => peer !== self).map((peer) => ({ providerId: peer.providerId, agreementKey: peer.keys.publicKey }));
      const vector = encodeFixed(weightedRelease(updates[Number(self.providerId) - 1]!, plan, seededRandom(Number(self.providerId))));
      return maskVector(vector, { context: context(present.map((p) => p.providerId), attempt), providerId: self.providerId, secretKey: self.keys.secretKey, peers });
    }),
  );
}

const updates: LocalUpdate[] = [
  { delta: Float64Array.of(0.5, -1, 2), samples: 100 },
  { delta: Float64Array.of(-0.25, 0, 1), samples: 300 },
  { delta: Float64Array.of(40, 30, 0), samples: 600 },
];

describe('a federated round at the aggregator', () => {
  it('moves the global model by the sample-weighted mean of the clipped updates, from masked vectors only', async () => {
    const global = Float64Array.of(1, 1, 1);
    const next = aggregateRound(global, await attemptOf(updates, [0, 1, 2], 0));
    // The third update (norm 50) is clipped to 10: (32, 24, 0) weighs 600 of 1,000 samples.
    const expected = [1 + (100 * 0.5 + 300 * -0.25 + 600 * 8) / 1000, 1 + (100 * -1 + 600 * 6) / 1000, 1 + (100 * 2 + 300 * 1) / 1000];
    next.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
  });

  it('cannot use an attempt a node dropped out of; the retry without it, with fresh masks, sums right', async () => {
    const lost = await attemptOf(updates, [0, 1, 2], 0);
    // Without the third vector the pairs it shared leave their masks in: the "sample count" is noise.
    const partial = decodeFixed(sumMasked(lost.slice(0, 2)));
    expect(Math.abs(partial[3]! - 400)).toBeGreaterThan(1e6);
    const retried = decodeFixed(sumMasked(await attemptOf(updates, [0, 1], 1)));
    expect(retried[3]).toBe(400);
    expect(retried[0]).toBeCloseTo(100 * 0.5 + 300 * -0.25, 6);
  });

  it('weights the noised update by n and carries n last', () => {
    const update = { delta: Float64Array.of(3, 4), samples: 7 };
    const [x, y] = clipToNorm(update.delta, 1);
    expect([x, y]).toEqual([expect.closeTo(0.6, 15), expect.closeTo(0.8, 15)]);
    expect(weightedRelease(update, { clip: 1, noiseMultiplier: 0 })).toEqual(Float64Array.of(7 * x!, 7 * y!, 7));
    const noised = weightedRelease(update, { clip: 1, noiseMultiplier: 1 }, seededRandom(1));
    expect(noised[0]).not.toBe(7 * x!);
    expect(noised[2]).toBe(7);
  });

  it('refuses fewer than two vectors or vectors of different lengths with an AggregationError', () => {
    expect(() => sumMasked([encodeFixed([1, 2])])).toThrow(AggregationError);
    expect(() => sumMasked([])).toThrow(AggregationError);
    expect(() => sumMasked([encodeFixed([1, 2]), encodeFixed([1, 2]), encodeFixed([1, 2, 3])])).toThrow(/vector 2 has 3 elements/);
  });

  it.each([
    ['no samples', Float64Array.of(1, 2, 0)],
    ['negative samples', Float64Array.of(1, 2, -5)],
  ])('refuses a sum of %s with an AggregationError', (_name, sum) => {
    expect(() => fedAvgStep(Float64Array.of(0, 0), sum)).toThrow(AggregationError);
  });

  it('refuses a sum that does not fit the model', () => {
    expect(() => fedAvgStep(Float64Array.of(0, 0, 0), Float64Array.of(1, 2, 3))).toThrow(/needs 4/);
  });
});

describe('the local step’s update.json', () => {
  it('reads {delta, samples}', () => {
    expect(parseLocalUpdate(JSON.parse('{"delta":[0.5,-1,2],"samples":100}'), 3)).toEqual({ delta: Float64Array.of(0.5, -1, 2), samples: 100 });
  });

  it.each([
    ['an array', [1, 2, 3], 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    ['an extra field', { delta: [1, 2, 3], samples: 1, loss: 0.2 }, 'fields other than'],
    ['a short delta', { delta: [1, 2], samples: 1 }, '3 numbers'],
    ['a delta that is a string', { delta: '1,2,3', samples: 1 }, 'not string'],
    ['a string coordinate', { delta: [1, '2', 3], samples: 1 }, 'delta[1]'],
    ['a NaN coordinate', { delta: [1, 2, NaN], samples: 1 }, 'delta[2]'],
    ['no samples', { delta: [1, 2, 3] }, 'samples'],
    ['0 samples', { delta: [1, 2, 3], samples: 0 }, 'samples'],
    ['fractional samples', { delta: [1, 2, 3], samples: 2.5 }, 'samples'],
    ['samples as a string', { delta: [1, 2, 3], samples: '7' }, 'samples'],
    ['2^60 samples', { delta: [1, 2, 3], samples: 2 ** 60 }, 'samples'],
  ])('refuses %s with a FederatedUpdateError', (_name, value, words) => {
    expect(() => parseLocalUpdate(value, 3)).toThrow(FederatedUpdateError);
    expect(() => parseLocalUpdate(value, 3)).toThrow(words);
  });
});
