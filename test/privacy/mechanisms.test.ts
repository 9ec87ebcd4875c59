import { DatagoraError } from '@/lib/errors';
import {
  classicGaussianSigma,
  fullPrecisionUniform,
  gaussianDelta,
  gaussianMechanism,
  gaussianNoise,
  gaussianSigma,
  laplaceMechanism,
  laplaceNoise,
  laplaceScale,
  laplaceSnapping,
  normalCdf,
  PrivacyParameterError,
  secureRandom,
  type RandomSource,
} from '@/lib/privacy';
import { draws, ksCritical, ksStatistic, moments, seededRandom } from './seeded';

const N = 20_000;
const laplaceCdf = (x: number, b: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
/** A source that plays back `values`, for draws that must land somewhere exact. */
const playback = (...values: number[]): RandomSource => {
  let next = 0;
  return () => values[next++ % values.length] as number;
};

/**
 * Moments within z standard errors of the truth. The mean of n draws has standard error √(var/n); the sample
 * variance has σ²·√(r/n) with r = (μ₄ − σ⁴)/σ⁴: 5 for Laplace (μ₄ = 24b⁴, σ² = 2b²), 2 for a Gaussian (μ₄ = 3σ⁴).
 */
function expectMoments(samples: number[], variance: number, fourthMomentRatio: number, z: number) {
  const observed = moments(samples);
  expect(Math.abs(observed.mean)).toBeLessThan(z * Math.sqrt(variance / samples.length));
  expect(Math.abs(observed.variance - variance)).toBeLessThan(z * variance * Math.sqrt(fourthMomentRatio / samples.length));
}

describe('Laplace', () => {
  it('scale is Δ₁/ε', () => {
    expect(laplaceScale(1, 0.5)).toBe(2);
    expect(laplaceScale(2, 0.25)).toBe(8);
    expect(laplaceScale(1, 1)).toBe(1);
  });

  // Seeded, so the outcome is fixed; 4 standard errors is what a correct sampler clears for all but ~1e-4 of seeds,
  // and the KS distance stays under its 99.9% critical value for all but 0.1%.
  it('noise of scale b has mean 0, variance 2b² and the Laplace CDF (20,000 seeded draws)', () => {
    const b = 2.5;
    const random = seededRandom(20240601);
    const samples = draws(N, () => laplaceNoise(b, random));
    expectMoments(samples, 2 * b * b, 5, 4);
    expect(ksStatistic(samples, (x) => laplaceCdf(x, b))).toBeLessThan(ksCritical(N, 1e-3));
  });

  it('replays exactly from the same seed', () => {
    const first = draws(5, ((random) => () => laplaceNoise(1, random))(seededRandom(7)));
    const again = draws(5, ((random) => () => laplaceNoise(1, random))(seededRandom(7)));
    const other = draws(5, ((random) => () => laplaceNoise(1, random))(seededRandom(8)));
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('tails are not cut off where 53-bit draws stop (±36.7 scales)', () => {
    expect(fullPrecisionUniform(playback(0.25, 0.25, 0.75))).toBe(0.1875);
    // Sixty draws below ½ then one in [½, 1): U* = 0.5·2⁻⁶⁰, noise = b·61·ln 2 ≈ 42.3b.
    const deep = playback(...Array<number>(61).fill(2 ** -53).map((u, i) => (i === 0 ? 0.9 : u)), 0.5);
    expect(laplaceNoise(1, deep)).toBeCloseTo(61 * Math.LN2, 12);
  });
});

describe('Laplace snapping (Mironov 2012)', () => {
  it('grid Λ is the smallest power of two ≥ the scale, paid for snapping’s 2⁻⁴⁹·B/Δ₁ of extra loss', () => {
    const { scale, grid, limit } = laplaceSnapping(1, 0.5, 1000);
    expect(scale).toBe(2 * (1 + 2 ** -49 * 1000));
    expect(grid).toBe(4);
    expect(limit).toBe(1000);
    expect(laplaceSnapping(3, 1, 1001).grid).toBe(4);
    expect(laplaceSnapping(0.001, 1, 10).grid).toBe(2 ** -9);
    expect(laplaceSnapping(1, 0.5)).toMatchObject({ grid: 4, limit: 2 ** 36 });
  });

  it('releases multiples of Λ within the bound, clamping values beyond it', () => {
    const random = seededRandom(11);
    const { grid } = laplaceSnapping(1, 0.5, 100);
    for (const value of [12.3, 98.7, -99.5, 1e9, -1e12]) {
      const released = draws(2_000, () => laplaceMechanism(value, 1, 0.5, { random, bound: 100 }));
      expect(released.filter((y) => !Number.isInteger(y / grid) || Math.abs(y) > 100)).toEqual([]);
      if (Math.abs(value) > 95) expect(released).toContain(Math.sign(value) * 100);
    }
  });

  // The exact law of the release: P(y ≤ kΛ) = L(kΛ + Λ/2 − x) with L the Laplace CDF, since Math.round rounds half up.
  it('release is round(x + Laplace(λ)) to the grid exactly: discrete KS below the 99.9% value', () => {
    const value = 7.3;
    const { scale, grid } = laplaceSnapping(1, 0.5, 1000);
    const random = seededRandom(99);
    const released = draws(N, () => laplaceMechanism(value, 1, 0.5, { random, bound: 1000 }));
    const cdf = (y: number) => laplaceCdf(y + grid / 2 - value, scale);
    const below = (y: number) => laplaceCdf(y - grid / 2 - value, scale);
    expect(ksStatistic(released, cdf, below)).toBeLessThan(ksCritical(N, 1e-3));
    // Unbiased: the rounding error is at most Λ/2, so the release's sd is at most √2·λ + Λ/2.
    expect(Math.abs(moments(released).mean - value)).toBeLessThan((4 * (Math.SQRT2 * scale + grid / 2)) / Math.sqrt(N));
  });

  it('never releases −0', () => {
    // Sign below ½ and U* = 0.9: noise λ·ln 0.9 ≈ −0.21, which rounds to −0 on a grid of 4.
    expect(Object.is(laplaceMechanism(0, 1, 0.5, { random: playback(0.1, 0.9) }), 0)).toBe(true);
  });

  // Naive x + noise in doubles: the outputs noise alone can take are a sparse set of doubles, so many releases of
  // x = 1 are values a release of x = 0 can never be, and they identify x outright (an infinite privacy loss).
  it('defeats the floating-point attack that identifies x from a naive release', () => {
    const bits = new DataView(new ArrayBuffer(8));
    const around = (x: number) => {
      bits.setFloat64(0, x);
      const at = bits.getBigUint64(0);
      return [-4n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 4n].map((step) => (bits.setBigUint64(0, at + step), bits.getFloat64(0)));
    };
    // laplaceNoise(1) is ±ln v for a double v in (0, 1): y is reachable iff some v near e^{−|y|} has ln v = −|y|.
    const noiseCanBe = (y: number) => around(Math.exp(-Math.abs(y))).some((v) => v < 1 && Math.log(v) === -Math.abs(y));
    const random = seededRandom(2012);

    expect(draws(2_000, () => laplaceNoise(1, random)).every(noiseCanBe)).toBe(true); // the check never wrongs x = 0
    const naive = draws(2_000, () => 1 + laplaceNoise(1, random));
    const impossibleFromZero = naive.filter((y) => !noiseCanBe(y));
    expect(impossibleFromZero.length).toBeGreaterThan(200);

    // Snapped, the releases of 0 and of 1 lie on the same grid of multiples of Λ = 2: no low bits remain to read.
    const { grid } = laplaceSnapping(1, 1);
    for (const value of [0, 1]) {
      expect(draws(2_000, () => laplaceMechanism(value, 1, 1, { random })).filter((y) => !Number.isInteger(y / grid))).toEqual([]);
    }
  });
});

describe('Gaussian calibration', () => {
  // Dwork & Roth's classic σ for (ε = 0.5, δ = 1e-5, Δ₂ = 1): √(2 ln 1.25e5)/0.5.
  it('classic σ = Δ₂√(2 ln(1.25/δ))/ε', () => {
    expect(classicGaussianSigma(1, 0.5, 1e-5)).toBeCloseTo(9.6896105252107788425, 13);
    expect(classicGaussianSigma(2, 0.5, 1e-5)).toBeCloseTo(2 * 9.6896105252107788425, 13);
  });

  // σ solving Φ(1/2σ − εσ) − e^ε·Φ(−1/2σ − εσ) = δ, by 400-step bisection in mpmath at 50 digits.
  it.each([
    [0.5, 1e-5, 7.0318266755824914427],
    [1, 1e-5, 3.7306316348159418322],
    [0.1, 1e-6, 36.304690426195784939],
    [2, 1e-8, 2.652926768055825253],
    [0.01, 1e-10, 501.2921329260007521],
    [20, 1e-12, 0.40405053263685351761],
    [200, 1e-10, 0.068187381827553932109],
    [1, 0.3, 0.69023058001459924076],
    [0.01, 0.2, 1.9343940509959380933],
    [5, 0.1, 0.4250415768516666714],
  ])('analytic σ(ε = %p, δ = %p) = %p to 1e-12', (epsilon, delta, expected) => {
    expect(Math.abs(gaussianSigma(1, epsilon, delta) / expected - 1)).toBeLessThan(1e-12);
    expect(Math.abs(gaussianSigma(3, epsilon, delta) / (3 * expected) - 1)).toBeLessThan(1e-12);
  });

  it.each([
    [0.5, 1e-5],
    [0.9, 1e-9],
    [1, 1e-5],
    [3, 1e-6],
    [0.05, 1e-3],
    [1, 0.3],
    [8, 0.05],
  ])('(ε = %p, δ = %p): the defining condition holds to 1e-9 of δ, and no smaller σ meets it', (epsilon, delta) => {
    const l2 = 2;
    const sigma = gaussianSigma(l2, epsilon, delta);
    // Written out here, e^ε and all, rather than through gaussianDelta.
    const condition = (s: number) => normalCdf(l2 / (2 * s) - (epsilon * s) / l2) - Math.exp(epsilon) * normalCdf(-l2 / (2 * s) - (epsilon * s) / l2);
    expect(Math.abs(condition(sigma) / delta - 1)).toBeLessThan(1e-9);
    expect(Math.abs(gaussianDelta(sigma, l2, epsilon) / delta - 1)).toBeLessThan(1e-12);
    expect(gaussianDelta(sigma * (1 - 1e-9), l2, epsilon)).toBeGreaterThan(delta);
  });

  it('analytic σ is below the classic bound for every ε < 1 tried', () => {
    for (const epsilon of [0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999]) {
      for (const delta of [0.1, 1e-3, 1e-5, 1e-8, 1e-12]) {
        expect(gaussianSigma(1, epsilon, delta)).toBeLessThan(classicGaussianSigma(1, epsilon, delta));
      }
    }
  });

  it('the classic formula is refused at ε ≥ 1, where it can give too little noise', () => {
    const classicAt20 = Math.sqrt(2 * Math.log(1.25 / 1e-12)) / 20;
    expect(classicAt20).toBeLessThan(gaussianSigma(1, 20, 1e-12));
    expect(gaussianDelta(classicAt20, 1, 20)).toBeGreaterThan(1e-12);
  });

  it('noise of σ has mean 0, variance σ² and the normal CDF (20,000 seeded draws)', () => {
    const sigma = 3;
    const random = seededRandom(31337);
    const samples = draws(N, () => gaussianNoise(sigma, random));
    expectMoments(samples, sigma * sigma, 2, 4);
    expect(ksStatistic(samples, (x) => normalCdf(x / sigma))).toBeLessThan(ksCritical(N, 1e-3));
  });

  it('mechanism adds noise of the analytic σ to the value', () => {
    const sigma = gaussianSigma(1, 1, 1e-5);
    // Each release calibrates σ afresh (a bisection), so fewer draws here.
    const released = draws(2_000, ((random) => () => gaussianMechanism(100, 1, 1, 1e-5, { random }))(seededRandom(5)));
    expect(ksStatistic(released, (x) => normalCdf((x - 100) / sigma))).toBeLessThan(ksCritical(2_000, 1e-3));
  });
});

// The platform CSPRNG cannot be seeded, so its bounds are wider: 6 standard errors (a false alarm about once in 10⁸
// runs, even allowing for the skew of Laplace's sample variance) and KS at its 1 − 1e-9 quantile.
it('secureRandom: 53-bit uniform draws in (0, 1), and noise with the stated scale', () => {
  const uniform = draws(N, secureRandom);
  expect(uniform.filter((u) => !(u > 0 && u < 1 && Number.isInteger(u * 2 ** 53)))).toEqual([]);
  expect(ksStatistic(uniform, (u) => u)).toBeLessThan(ksCritical(N, 1e-9));
  const laplace = draws(N, () => laplaceNoise(2));
  expectMoments(laplace, 8, 5, 6);
  expect(ksStatistic(laplace, (x) => laplaceCdf(x, 2))).toBeLessThan(ksCritical(N, 1e-9));
  const gaussian = draws(N, () => gaussianNoise(2));
  expectMoments(gaussian, 4, 2, 6);
  expect(ksStatistic(gaussian, (x) => normalCdf(x / 2))).toBeLessThan(ksCritical(N, 1e-9));
});

describe('bad parameters', () => {
  it.each<[string, string, () => unknown]>([
    ['zero sensitivity', 'sensitivity', () => laplaceScale(0, 1)],
    ['negative sensitivity', 'sensitivity', () => laplaceScale(-1, 1)],
    ['infinite sensitivity', 'sensitivity', () => laplaceScale(Infinity, 1)],
    ['NaN sensitivity', 'sensitivity', () => laplaceScale(NaN, 1)],
    ['zero ε', 'epsilon', () => laplaceScale(1, 0)],
    ['negative ε', 'epsilon', () => laplaceScale(1, -0.5)],
    ['infinite ε', 'epsilon', () => laplaceScale(1, Infinity)],
    ['NaN ε', 'epsilon', () => laplaceScale(1, NaN)],
    ['a scale past double range', 'scale', () => laplaceScale(1e300, 1e-300)],
    ['zero Laplace scale', 'scale', () => laplaceNoise(0)],
    ['NaN Laplace scale', 'scale', () => laplaceNoise(NaN)],
    ['NaN value', 'value', () => laplaceMechanism(NaN, 1, 1)],
    ['infinite value', 'value', () => laplaceMechanism(Infinity, 1, 1)],
    ['a bound inside the noise grid', 'bound', () => laplaceMechanism(0, 1, 1, { bound: 1.5 })],
    ['a bound past 2⁴⁰ sensitivities', 'bound', () => laplaceMechanism(0, 1, 1, { bound: 2 ** 41 })],
    ['the default bound past 2⁴⁶ scales (ε = 2048)', 'bound', () => laplaceMechanism(0, 1, 2048)],
    ['a negative bound', 'bound', () => laplaceMechanism(0, 1, 1, { bound: -5 })],
    ['zero δ', 'delta', () => gaussianSigma(1, 1, 0)],
    ['δ of 1', 'delta', () => gaussianSigma(1, 1, 1)],
    ['NaN δ', 'delta', () => gaussianSigma(1, 1, NaN)],
    ['zero L2 sensitivity', 'l2Sensitivity', () => gaussianSigma(0, 1, 1e-5)],
    ['zero ε for the Gaussian', 'epsilon', () => gaussianMechanism(0, 1, 0, 1e-5)],
    ['the classic bound at ε ≥ 1', 'epsilon', () => classicGaussianSigma(1, 1, 1e-5)],
    ['negative σ', 'sigma', () => gaussianNoise(-1)],
    ['zero σ for δ', 'sigma', () => gaussianDelta(0, 1, 1)],
    ['NaN value for the Gaussian', 'value', () => gaussianMechanism(NaN, 1, 1, 1e-5)],
  ])('%s: PrivacyParameterError naming %s, with a hint', (_case, parameter, call) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PrivacyParameterError);
    expect(thrown).toBeInstanceOf(DatagoraError);
    const error = thrown as PrivacyParameterError;
    expect(error.parameter).toBe(parameter);
    expect(error.hint.length).toBeGreaterThan(10);
    expect(error.describe()).toContain(`invalid ${parameter}`);
  });

  it('are refused before any randomness is drawn', () => {
    let drawn = 0;
    const counting: RandomSource = () => (drawn++, 0.5);
    expect(() => laplaceMechanism(5, 1, 1, { random: counting, bound: 1 })).toThrow(PrivacyParameterError);
    expect(() => gaussianMechanism(5, 1, 1, 0, { random: counting })).toThrow(PrivacyParameterError);
    expect(drawn).toBe(0);
  });
});
