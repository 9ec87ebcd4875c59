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
  type FederatedPlan,
  type LocalUpdate,
  type MaskContext,
} from '@/lib/federated';
import { moments, seededRandom } from '../privacy/seeded';

const context = (participants: bigint[], attempt = 0): MaskContext => ({
  chainId: 31337,
  computeMarket: '0x5FbDB2315678afecb367f032d7c60a180aa3F6b0',
  firstJobId: 12n,
  round: 3,
  attempt,
  participants,
});

/** Each provider's masked release of its update for one attempt among `attending` (indices into the providers). */
async function attemptOf(updates: LocalUpdate[], attending: number[], attempt: number, plan: Pick<FederatedPlan, 'clip' | 'noiseMultiplier' | 'lossBound'> = { clip: 10, noiseMultiplier: 0 }): Promise<BigUint64Array[]> {
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
/** The FedAvg step from (1, 1, 1): the third update (norm 50) is clipped to 10, so (32, 24, 0) weighs 600 of 1,000 samples. */
const expected = [1 + (100 * 0.5 + 300 * -0.25 + 600 * 8) / 1000, 1 + (100 * -1 + 600 * 6) / 1000, 1 + (100 * 2 + 300 * 1) / 1000];

describe('a federated round at the aggregator', () => {
  it('moves the global model by the sample-weighted mean of the clipped updates, from masked vectors only', async () => {
    const global = Float64Array.of(1, 1, 1);
    const next = aggregateRound(global, await attemptOf(updates, [0, 1, 2], 0), { dimension: 3, clip: 10 });
    expect(next.loss).toBeUndefined();
    next.model.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
  });

  it.each([
    ['three', [0, 1, 2], (100 * 0.7 + 300 * 0.4 + 600 * 2) / 1000],
    ['two', [0, 1], (100 * 0.7 + 300 * 0.4) / 400],
  ])('reports the incoming model’s loss over %s participants’ rows, through clip, mask and ring sum, beside the same step', async (_count, attending, loss) => {
    // The third loss (2.5) is over the bound L = 2: it counts as 2.
    const reporting = updates.map((update, i) => ({ ...update, loss: [0.7, 0.4, 2.5][i]! }));
    const plan = { dimension: 3, clip: 10, noiseMultiplier: 0, lossBound: 2 };
    const masked = await attemptOf(reporting, attending, 0, plan);
    expect(masked.map((vector) => vector.length)).toEqual(attending.map(() => 5));
    const next = aggregateRound(Float64Array.of(1, 1, 1), masked, plan);
    // Fixed point carries n·ℓ·C/L to 2^-24: ~10^-8 on the loss.
    expect(next.loss).toBeCloseTo(loss, 7);
    if (attending.length === 3) next.model.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
  });

  it('clamps a hostile loss to [0, L] before it is scaled into [0, C]: 1e9 counts as L, −5 as 0', async () => {
    const plan = { clip: 0.5, noiseMultiplier: 0, lossBound: 4 };
    expect(weightedRelease({ delta: Float64Array.of(0, 0), samples: 7, loss: 1e9 }, plan)).toEqual(Float64Array.of(0, 0, 7 * 0.5, 7));
    expect(weightedRelease({ delta: Float64Array.of(0, 0), samples: 7, loss: -5 }, plan)).toEqual(Float64Array.of(0, 0, 0, 7));
    const hostile = [
      { delta: Float64Array.of(0, 0, 0), samples: 100, loss: 1e9 },
      { delta: Float64Array.of(0, 0, 0), samples: 300, loss: -5 },
    ];
    const next = aggregateRound(new Float64Array(3), await attemptOf(hostile, [0, 1], 0, plan), { ...plan, dimension: 3 });
    expect(next.loss).toBeCloseTo((100 * 4) / 400, 7);
  });

  it('noises the loss coordinate as every other: N(0, (zC)²) before the weighting by n', () => {
    const plan = { clip: 2, noiseMultiplier: 1.5, lossBound: 10 };
    const update = { delta: Float64Array.of(0.5, 0), samples: 3, loss: 5 };
    const errors = Array.from({ length: 4_000 }, (_, seed) => weightedRelease(update, plan, seededRandom(seed + 1))[2]! / 3 - 1);
    const { mean, variance } = moments(errors);
    expect(Math.abs(Math.sqrt(variance) / (1.5 * 2) - 1)).toBeLessThan(0.06);
    expect(Math.abs(mean)).toBeLessThan((5 * 1.5 * 2) / Math.sqrt(errors.length));
  });

  it('refuses a release whose loss does not match the plan: one missing where it bounds a loss, one it does not ask for', () => {
    expect(() => weightedRelease({ delta: Float64Array.of(1), samples: 1 }, { clip: 1, noiseMultiplier: 0, lossBound: 1 })).toThrow(FederatedUpdateError);
    expect(() => weightedRelease({ delta: Float64Array.of(1), samples: 1, loss: 0.5 }, { clip: 1, noiseMultiplier: 0 })).toThrow(/does not report/);
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
    expect(() => fedAvgStep(Float64Array.of(0, 0), sum, { dimension: 2, clip: 1 })).toThrow(AggregationError);
  });

  it('refuses a sum or a model that does not fit the plan', () => {
    expect(() => fedAvgStep(Float64Array.of(0, 0, 0), Float64Array.of(1, 2, 3), { dimension: 3, clip: 1 })).toThrow(/needs 4/);
    expect(() => fedAvgStep(Float64Array.of(0, 0, 0), Float64Array.of(1, 2, 3, 4), { dimension: 3, clip: 1, lossBound: 1 })).toThrow(/needs 5/);
    expect(() => fedAvgStep(Float64Array.of(0, 0), Float64Array.of(1, 2, 3, 4), { dimension: 3, clip: 1 })).toThrow(/dimension 3/);
  });
});

describe('the local step’s update.json', () => {
  it('reads {delta, samples}', () => {
    expect(parseLocalUpdate(JSON.parse('{"delta":[0.5,-1,2],"samples":100}'), { dimension: 3 })).toEqual({ delta: Float64Array.of(0.5, -1, 2), samples: 100 });
  });

  it('reads {delta, samples, loss} where the plan bounds a loss, leaving a loss out of range to the clamp', () => {
    const plan = { dimension: 2, lossBound: 3 };
    expect(parseLocalUpdate({ delta: [1, 2], samples: 4, loss: 0.25 }, plan)).toEqual({ delta: Float64Array.of(1, 2), samples: 4, loss: 0.25 });
    expect(parseLocalUpdate({ delta: [1, 2], samples: 4, loss: -5 }, plan).loss).toBe(-5);
  });

  it.each([
    ['no loss', { delta: [1, 2], samples: 4 }, 'loss must be a finite number'],
    ['a NaN loss', { delta: [1, 2], samples: 4, loss: NaN }, 'not NaN'],
    ['an infinite loss', { delta: [1, 2], samples: 4, loss: Infinity }, 'not Infinity'],
    ['a loss as a string', { delta: [1, 2], samples: 4, loss: '0.5' }, 'loss must be'],
    ['another field beside the loss', { delta: [1, 2], samples: 4, loss: 1, accuracy: 0.9 }, 'other than delta, samples, loss: accuracy'],
  ])('refuses %s where the plan bounds a loss', (_name, value, words) => {
    expect(() => parseLocalUpdate(value, { dimension: 2, lossBound: 3 })).toThrow(FederatedUpdateError);
    expect(() => parseLocalUpdate(value, { dimension: 2, lossBound: 3 })).toThrow(words);
  });

  it.each([
    ['an array', [1, 2, 3], 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    ['a loss the plan does not bound', { delta: [1, 2, 3], samples: 1, loss: 0.2 }, 'only reported when the plan has a lossBound'],
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
    expect(() => parseLocalUpdate(value, { dimension: 3 })).toThrow(FederatedUpdateError);
    expect(() => parseLocalUpdate(value, { dimension: 3 })).toThrow(words);
  });
});
