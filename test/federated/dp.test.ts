import fc from 'fast-check';
import { addNoise, clipToNorm, epsilonMillionths, federatedEpsilon, FederatedUpdateError, gaussianRdpEpsilon, l2Norm, SENSITIVITY_IN_CLIPS, SENSITIVITY_WITH_LOSS_IN_CLIPS, weightedRelease } from '@/lib/federated';
import { gaussianDelta, PrivacyParameterError } from '@/lib/privacy';
import { moments, seededRandom } from '../privacy/seeded';

/** Opacus's default RDP orders (opacus/accountants/rdp.py, DEFAULT_ALPHAS): the grid its accountant minimises over. */
const OPACUS_ORDERS = [...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10), ...Array.from({ length: 52 }, (_, x) => 12 + x)];

/** The Gaussian mechanism on an update as a node applies it: clipped to C, then N(0, (zC)²) on every coordinate. */
const clipAndNoise = (update: ArrayLike<number>, clip: number, z: number, random?: Parameters<typeof addNoise>[3]) => addNoise(clipToNorm(update, clip), clip, z, random);

describe('clipping', () => {
  it('measures norms without overflow or underflow', () => {
    expect(l2Norm([3, 4])).toBe(5);
    expect(l2Norm([1e200, 1e200])).toBeCloseTo(Math.SQRT2 * 1e200, -186);
    expect(l2Norm([3e-200, 4e-200])).toBeCloseTo(5e-200, 210);
    expect(l2Norm([])).toBe(0);
  });

  it('bounds the norm by the clip for any update, keeping its direction, and leaves a short one alone', () => {
    const coordinate = fc.oneof(fc.double({ min: -1e300, max: 1e300, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }));
    fc.assert(
      fc.property(fc.array(coordinate, { minLength: 1, maxLength: 200 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (update, clip) => {
        const clipped = clipToNorm(update, clip);
        expect(l2Norm(clipped)).toBeLessThanOrEqual(clip);
        if (l2Norm(update) <= clip) expect(clipped).toEqual(Float64Array.from(update));
        // Scaled down, not turned: every coordinate keeps its sign and shrinks.
        else clipped.forEach((x, i) => expect(x * update[i]! >= 0 && Math.abs(x) <= Math.abs(update[i]!)).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('bounds an update of norm 10^6 and one with coordinates of 10^9 before any noise', () => {
    const large = new Float64Array(10_000).fill(1e4);
    expect(l2Norm(large)).toBeCloseTo(1e6, 6);
    expect(l2Norm(clipToNorm(large, 1))).toBeLessThanOrEqual(1);
    expect(l2Norm(clipAndNoise(large, 0.5, 0))).toBeLessThanOrEqual(0.5);
    const spiky = Float64Array.from({ length: 100_000 }, (_, i) => (i % 2 ? 1e9 : -1e9));
    const clipped = clipToNorm(spiky, 2);
    expect(l2Norm(clipped)).toBeLessThanOrEqual(2);
    expect(l2Norm(clipped)).toBeGreaterThan(2 * (1 - 1e-9));
  });

  it.each([NaN, Infinity, -Infinity])('refuses an update holding %p with a FederatedUpdateError', (bad) => {
    expect(() => clipAndNoise([0, 1, bad, 2], 1, 1)).toThrow(FederatedUpdateError);
    expect(() => clipToNorm([0, 1, bad, 2], 1)).toThrow('coordinate 2');
  });

  it.each([
    ['a clip of 0', 0, 1],
    ['a NaN clip', NaN, 1],
    ['a negative noise multiplier', 1, -0.5],
    ['an infinite noise multiplier', 1, Infinity],
  ])('refuses %s with a PrivacyParameterError', (_name, clip, z) => {
    expect(() => clipAndNoise([1, 2], clip, z)).toThrow(PrivacyParameterError);
  });
});

describe('noise', () => {
  it('adds N(0, (z·C)²) to every coordinate of the clipped update', () => {
    const clip = 2;
    const z = 1.5;
    const update = Float64Array.from({ length: 40_000 }, (_, i) => (i === 0 ? 1e6 : 0));
    const noisy = clipAndNoise(update, clip, z, seededRandom(20));
    const clipped = clipToNorm(update, clip);
    const { mean, variance } = moments(Array.from(noisy, (x, i) => x - clipped[i]!));
    // The sample standard deviation of n normals errs by about σ/√(2n) = 0.4%: 3% is a wide margin.
    expect(Math.abs(Math.sqrt(variance) / (z * clip) - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan((5 * z * clip) / Math.sqrt(update.length));
  });

  it('draws from the random source it is given: a seed replays the noise, another seed changes it', () => {
    const update = [0.5, -0.25, 0.125];
    expect(clipAndNoise(update, 1, 1, seededRandom(3))).toEqual(clipAndNoise(update, 1, 1, seededRandom(3)));
    expect(clipAndNoise(update, 1, 1, seededRandom(3))).not.toEqual(clipAndNoise(update, 1, 1, seededRandom(4)));
    expect(clipAndNoise(update, 1, 0)).toEqual(Float64Array.from(update));
  });
});

describe('the ε of federated rounds', () => {
  it('is ρ + 2√(ρ·ln 1/δ) with ρ = R/2z², the RDP bound worked out by hand', () => {
    // z = 1, R = 1, δ = 1e-5: ρ = 1/2, ln(1e5) = 11.5129…, ε = 0.5 + 2√5.7565 = 5.29853, reached at α = 5.7985.
    expect(gaussianRdpEpsilon({ releases: 1, noiseMultiplier: 1, delta: 1e-5 })).toBeCloseTo(5.29853, 5);
    // z = 1.1, R = 10: ρ = 4.1322, ε = 4.1322 + 2√(4.1322·11.5129) = 17.92702.
    expect(gaussianRdpEpsilon({ releases: 10, noiseMultiplier: 1.1, delta: 1e-5 })).toBeCloseTo(17.92702, 5);
    expect(gaussianRdpEpsilon({ releases: 1, noiseMultiplier: 0, delta: 1e-5 })).toBe(Infinity);
  });

  it('is the minimum over every order: never above Opacus’s grid of orders, and within 1% of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.5, max: 20, noNaN: true }), fc.constantFrom(1e-5, 1e-6, 1e-3), (releases, z, delta) => {
        const epsilon = gaussianRdpEpsilon({ releases, noiseMultiplier: z, delta });
        const grid = Math.min(...OPACUS_ORDERS.map((alpha) => (releases * alpha) / (2 * z * z) + Math.log(1 / delta) / (alpha - 1)));
        expect(epsilon).toBeLessThanOrEqual(grid * (1 + 1e-12));
        if (1 + Math.sqrt((Math.log(1 / delta) * 2 * z * z) / releases) <= 63) expect(epsilon).toBeGreaterThan(grid * 0.99);
      }),
      { numRuns: 300 },
    );
  });

  it('is a valid (ε, δ) bound: the exact privacy profile of R Gaussians (one of σ = z/√R) stays below δ there', () => {
    for (const [releases, z] of [
      [1, 1],
      [10, 1.1],
      [100, 1.1],
      [50, 4],
    ] as const) {
      const epsilon = gaussianRdpEpsilon({ releases, noiseMultiplier: z, delta: 1e-5 });
      // Balle & Wang's exact δ(ε) (lib/privacy): the RDP bound is loose, not wrong, and not by much (ε is 7–21% above exact).
      expect(gaussianDelta(z / Math.sqrt(releases), 1, epsilon)).toBeLessThan(1e-5);
      expect(gaussianDelta(z / Math.sqrt(releases), 1, epsilon / 1.25)).toBeGreaterThan(1e-5);
    }
  });

  it('counts each node’s release at sensitivity 2C: a hostile local step moves a clipped update from +C to −C', () => {
    expect(SENSITIVITY_IN_CLIPS).toBe(2);
    expect(federatedEpsilon({ rounds: 10, noiseMultiplier: 2.2, delta: 1e-5 })).toBe(gaussianRdpEpsilon({ releases: 10, noiseMultiplier: 1.1, delta: 1e-5 }));
    // Two neighbouring datasets' clipped updates, as a hostile step makes them: 2C apart, the noise's σ is z·C.
    const clip = 1;
    const [plus, minus] = [clipToNorm([5, 0], clip), clipToNorm([-5, 0], clip)];
    expect(l2Norm([plus[0]! - minus[0]!, plus[1]! - minus[1]!])).toBe(SENSITIVITY_IN_CLIPS * clip);
  });

  it('counts a release with the loss at sensitivity √5·C: the update moves by 2C and the loss, clamped into [0, C], by C', () => {
    expect(SENSITIVITY_WITH_LOSS_IN_CLIPS).toBe(Math.sqrt(5));
    const clip = 1.5;
    const plan = { clip, noiseMultiplier: 0, lossBound: 3 };
    // One row's value steers a hostile step between these two: as far apart as the releases can be.
    const [a, b] = [weightedRelease({ delta: Float64Array.of(5, 0), samples: 1, loss: -5 }, plan), weightedRelease({ delta: Float64Array.of(-5, 0), samples: 1, loss: 1e9 }, plan)];
    const gap = (x: Float64Array, y: Float64Array) => l2Norm(Array.from(x.subarray(0, 3), (v, i) => v - y[i]!));
    expect(gap(a, b)).toBeCloseTo(SENSITIVITY_WITH_LOSS_IN_CLIPS * clip, 12);
    // No two releases are further apart, whatever the step writes.
    const update = fc.record({ delta: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 2 }), loss: fc.double({ min: -1e12, max: 1e12, noNaN: true }) });
    fc.assert(
      fc.property(update, update, (x, y) => {
        const release = (u: typeof x) => weightedRelease({ delta: Float64Array.from(u.delta), samples: 1, loss: u.loss }, plan);
        expect(gap(release(x), release(y))).toBeLessThanOrEqual(SENSITIVITY_WITH_LOSS_IN_CLIPS * clip * (1 + 1e-12));
      }),
      { numRuns: 200 },
    );
  });

  it('costs more ε with the loss than without, by the figures worked out by hand', () => {
    // z = 1, R = 10, δ = 1e-5, ln(1e5) = 11.512925. Without the loss the noise is z/2 sensitivities: ρ = R·2²/2z² = 20,
    // ε = 20 + 2√(20·11.512925) = 50.34854. With it, z/√5: ρ = R·5/2z² = 25, ε = 25 + 2·5·√11.512925 = 58.93070.
    const spend = { rounds: 10, noiseMultiplier: 1, delta: 1e-5 };
    expect(federatedEpsilon(spend)).toBeCloseTo(50.34854, 5);
    expect(federatedEpsilon({ ...spend, lossBound: 5 })).toBeCloseTo(58.93070, 5);
    expect(epsilonMillionths({ ...spend, lossBound: 5 })).toBe(58_930_703n);
    // z = 4, R = 2: ρ = 2·4/32 = 0.25, ε = 0.25 + 2√(0.25·11.512925) = 3.64307; with the loss ρ = 2·5/32 = 0.3125,
    // ε = 0.3125 + 2√(0.3125·11.512925) = 4.10607.
    expect(federatedEpsilon({ rounds: 2, noiseMultiplier: 4, delta: 1e-5 })).toBeCloseTo(3.64307, 5);
    expect(federatedEpsilon({ rounds: 2, noiseMultiplier: 4, delta: 1e-5, lossBound: 1000 })).toBeCloseTo(4.10607, 5);
    // Only whether a loss is reported counts, not its bound.
    expect(federatedEpsilon({ ...spend, lossBound: 0.01 })).toBe(federatedEpsilon({ ...spend, lossBound: 1000 }));
  });

  it('grows with every release, retried ones too, and shrinks with more noise or a looser δ', () => {
    const at = (rounds: number, noiseMultiplier = 1, delta = 1e-5) => federatedEpsilon({ rounds, noiseMultiplier, delta });
    expect(at(21)).toBeGreaterThan(at(20));
    expect(at(20, 1.2)).toBeLessThan(at(20, 1));
    expect(at(20, 1, 1e-3)).toBeLessThan(at(20));
  });

  it('reserves millionths rounded up, and refuses z = 0, which guarantees nothing', () => {
    const spend = { rounds: 20, noiseMultiplier: 4, delta: 1e-5 };
    const micro = epsilonMillionths(spend);
    expect(Number(micro) / 1e6).toBeGreaterThanOrEqual(federatedEpsilon(spend));
    expect(Number(micro - 1n) / 1e6).toBeLessThan(federatedEpsilon(spend));
    expect(() => epsilonMillionths({ ...spend, noiseMultiplier: 0 })).toThrow(PrivacyParameterError);
    expect(() => epsilonMillionths({ ...spend, rounds: 0 })).toThrow(PrivacyParameterError);
    expect(() => epsilonMillionths({ ...spend, delta: 1 })).toThrow(PrivacyParameterError);
    expect(() => epsilonMillionths({ ...spend, noiseMultiplier: NaN })).toThrow(PrivacyParameterError);
  });
});
