/**
 * The noise a provider adds to an analysis result before releasing it: the Laplace mechanism (pure ε-DP, with
 * Mironov's snapping against floating-point attacks) and the Gaussian mechanism ((ε, δ)-DP, calibrated by Balle &
 * Wang's analytic formula). Every parameter is checked before any noise is drawn.
 */
import { PrivacyParameterError, requireDelta, requireEpsilon, requireFinite, requirePositive, SENSITIVITY_HINT } from './errors';
import { erfcx, normalCdf } from './normal';
import { fullPrecisionUniform, secureRandom, type RandomSource } from './random';

/** b = Δ₁/ε: the Laplace scale that makes a statistic of L1 sensitivity Δ₁ ε-differentially private (Dwork et al. 2006). */
export function laplaceScale(sensitivity: number, epsilon: number): number {
  requirePositive(sensitivity, 'sensitivity', SENSITIVITY_HINT);
  requireEpsilon(epsilon);
  const scale = sensitivity / epsilon;
  requirePositive(scale, 'scale', 'sensitivity/ε is outside double range: check both are in the statistic’s units');
  return scale;
}

/**
 * One draw of Laplace(0, b) by inverse CDF: F⁻¹(u) = −b·sgn(u − ½)·ln(1 − 2|u − ½|). The sign and 1 − 2|u − ½|
 * (itself uniform) are drawn apart, the latter to full precision, so the tails are not cut off at ±36.7·b.
 */
export function laplaceNoise(scale: number, random: RandomSource = secureRandom): number {
  requirePositive(scale, 'scale', 'pass laplaceScale(sensitivity, epsilon)');
  const sign = random() < 0.5 ? -1 : 1;
  return -sign * scale * Math.log(fullPrecisionUniform(random));
}

/**
 * Default bound B on a Laplace release, in sensitivities: 2³⁶·Δ₁ (6.9·10¹⁰ of them) holds any count or clipped sum
 * (n values clipped to Δ₁ sum to at most n·Δ₁). A mean of values far from 0 needs its own `bound`: Δ₁ shrinks as 1/n.
 */
export const DEFAULT_BOUND_IN_SENSITIVITIES = 2 ** 36;
/** Mironov's theorem needs B < 2⁴⁶·λ: past that, one grid step is too fine for the doubles around B. */
const MAX_BOUND_IN_SCALES = 2 ** 46;
/** Snapping's extra privacy loss, 2⁻⁴⁹·B/Δ₁ of ε, is paid for with more noise: capping B/Δ₁ caps that at 2⁻⁹. */
const MAX_BOUND_IN_SENSITIVITIES = 2 ** 40;

/** How the snapping mechanism runs for one (Δ₁, ε, B): its noise scale, its grid Λ, and the largest output. */
export interface Snapping {
  /** λ: Δ₁/ε, enlarged by the factor that pays for snapping's extra loss. */
  scale: number;
  /** Λ, the smallest power of two ≥ λ: every release is a multiple of it. */
  grid: number;
  /** The largest multiple of Λ within B: releases lie in [−limit, limit]. */
  limit: number;
}

/** The smallest power of two ≥ x (Math.log2 may be an ulp off next to one, hence the steps). */
function powerOfTwoAtLeast(x: number): number {
  let power = 2 ** Math.ceil(Math.log2(x));
  while (power < x) power *= 2;
  while (power / 2 >= x) power /= 2;
  return power;
}

/**
 * The snapping mechanism's parameters (Mironov 2012, Thm 1): with f of sensitivity Δ₁, λ = Δ₁/ε₀ and λ < B < 2⁴⁶λ,
 * it is ε₀(1 + 2⁻⁴⁹·B/Δ₁)-DP, so ε₀ = ε/(1 + 2⁻⁴⁹·B/Δ₁) keeps the release ε-DP as accounted. Throws
 * `PrivacyParameterError` when B is outside that range or not above Λ (the release would always be 0).
 */
export function laplaceSnapping(sensitivity: number, epsilon: number, bound = DEFAULT_BOUND_IN_SENSITIVITIES * sensitivity): Snapping {
  const base = laplaceScale(sensitivity, epsilon);
  requirePositive(bound, 'bound', 'the bound is the largest magnitude the statistic can honestly take, e.g. the row count');
  const scale = base * (1 + 2 ** -49 * (bound / sensitivity));
  const grid = powerOfTwoAtLeast(scale);
  if (!(bound > grid) || bound >= MAX_BOUND_IN_SCALES * scale || bound > MAX_BOUND_IN_SENSITIVITIES * sensitivity) {
    throw new PrivacyParameterError(
      'bound',
      bound,
      `must exceed the noise grid ${grid}, stay below 2^46 noise scales (${MAX_BOUND_IN_SCALES * scale}) and within 2^40 sensitivities`,
      bound > grid
        ? 'pass the smallest bound the statistic can honestly reach (its range), not an arbitrary large one'
        : 'the noise alone exceeds the bound, so the release would carry nothing: raise ε or aggregate more rows',
    );
  }
  return { scale, grid, limit: Math.floor(bound / grid) * grid };
}

const clamp = (x: number, limit: number): number => Math.min(limit, Math.max(-limit, x));

/**
 * Releases `value` ε-differentially private with Laplace noise, snapped. Naive x + Laplace in doubles leaks x: the
 * set of doubles it can output depends on x's low bits, so some outputs are impossible from a neighbour (Mironov
 * 2012). Clamping x to [−B, B], adding noise, rounding to a multiple of Λ (a power of two ≥ the scale, coarser than
 * those low bits) and clamping again leaves an output distribution that provably shifts by at most e^ε. (The proof
 * assumes a correctly rounded ln; V8's Math.log is faithful, within one ulp, which its slack likely but not provably covers.)
 */
export function laplaceMechanism(
  value: number,
  sensitivity: number,
  epsilon: number,
  options: { random?: RandomSource; bound?: number } = {},
): number {
  requireFinite(value, 'value');
  const { scale, grid, limit } = laplaceSnapping(sensitivity, epsilon, options.bound);
  // Clamping to B rounded down to the grid, not B itself, is still a clamp of sensitivity ≤ Δ₁; ÷ and × Λ are exact.
  const noisy = clamp(value, limit) + laplaceNoise(scale, options.random);
  const released = clamp(Math.round(noisy / grid) * grid, limit);
  return released === 0 ? 0 : released; // never −0, which would print as "-0"
}

/**
 * The classic Gaussian calibration σ = Δ₂·√(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Thm A.1), proved only for ε < 1 and
 * loose: `gaussianSigma` is never larger. Kept to document and test that.
 */
export function classicGaussianSigma(l2Sensitivity: number, epsilon: number, delta: number): number {
  requirePositive(l2Sensitivity, 'l2Sensitivity', SENSITIVITY_HINT);
  requireEpsilon(epsilon);
  requireDelta(delta);
  if (epsilon >= 1) {
    throw new PrivacyParameterError('epsilon', epsilon, 'the classic bound is proved for ε < 1 only', 'use gaussianSigma, exact for every ε');
  }
  return (l2Sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / epsilon;
}

/**
 * Φ(d) − e^ε·Φ(−s) where s² − d² = 2ε. The e^ε is folded into erfcx (e^ε·Φ(−s) = ½·erfcx(s/√2)·e^{−d²/2}), so
 * it neither overflows for large ε nor underflows in the tail.
 */
function privacyProfile(d: number, s: number): number {
  return normalCdf(d) - 0.5 * erfcx(s * Math.SQRT1_2) * Math.exp(-0.5 * d * d);
}

/**
 * The δ that Gaussian noise of σ gives a statistic of L2 sensitivity Δ₂ at ε, exactly (Balle & Wang 2018, Thm 8):
 * Φ(Δ₂/2σ − εσ/Δ₂) − e^ε·Φ(−Δ₂/2σ − εσ/Δ₂). It falls as σ grows.
 */
export function gaussianDelta(sigma: number, l2Sensitivity: number, epsilon: number): number {
  requirePositive(sigma, 'sigma', 'pass gaussianSigma(l2Sensitivity, epsilon, delta)');
  requirePositive(l2Sensitivity, 'l2Sensitivity', SENSITIVITY_HINT);
  requireEpsilon(epsilon);
  const a = l2Sensitivity / (2 * sigma);
  const c = (epsilon * sigma) / l2Sensitivity;
  return privacyProfile(a - c, a + c);
}

/**
 * The boundary of a predicate false below some s* ≥ 0 and true above: doubling from 1, then bisection down to
 * adjacent doubles. Returns both sides so the caller can keep the one on the safe side.
 */
function threshold(above: (s: number) => boolean): { below: number; above: number } {
  let low = 0;
  let high = 1;
  while (!above(high)) [low, high] = [high, 2 * high];
  for (;;) {
    const mid = low + (high - low) / 2;
    if (mid <= low || mid >= high) return { below: low, above: high };
    if (above(mid)) high = mid;
    else low = mid;
  }
}

/**
 * The smallest σ for which N(0, σ²) noise makes a statistic of L2 sensitivity Δ₂ (ε, δ)-DP: Balle & Wang's analytic
 * Gaussian mechanism (ICML 2018, Algorithm 1), σ = α·Δ₂/√(2ε). The classic Δ₂√(2 ln(1.25/δ))/ε is above it for
 * ε < 1 (38% more noise at ε = 0.5, δ = 1e-5) and can fall short past 1 (0.373 at ε = 20, δ = 1e-12, where 0.404 is
 * needed). Their search runs in a variable that keeps
 * the condition monotone on each side of δ₀ = Φ(0) − e^ε·Φ(−√(2ε)); ours bisects to adjacent doubles and keeps the
 * side where the condition's δ is at most the one asked for.
 */
export function gaussianSigma(l2Sensitivity: number, epsilon: number, delta: number): number {
  requirePositive(l2Sensitivity, 'l2Sensitivity', SENSITIVITY_HINT);
  requireEpsilon(epsilon);
  requireDelta(delta);
  let alpha: number;
  if (delta >= privacyProfile(0, Math.sqrt(2 * epsilon))) {
    // B⁺(v) = Φ(√(εv)) − e^ε·Φ(−√(ε(v+2))) rises with v: the largest v with B⁺(v) ≤ δ.
    const v = threshold((v) => privacyProfile(Math.sqrt(epsilon * v), Math.sqrt(epsilon * (v + 2))) > delta).below;
    alpha = 1 / (Math.sqrt(1 + v / 2) + Math.sqrt(v / 2)); // √(1 + v/2) − √(v/2), without the cancellation
  } else {
    // B⁻(u) = Φ(−√(εu)) − e^ε·Φ(−√(ε(u+2))) falls with u: the smallest u with B⁻(u) ≤ δ.
    const u = threshold((u) => privacyProfile(-Math.sqrt(epsilon * u), Math.sqrt(epsilon * (u + 2))) <= delta).above;
    alpha = Math.sqrt(1 + u / 2) + Math.sqrt(u / 2);
  }
  return (alpha * l2Sensitivity) / Math.sqrt(2 * epsilon);
}

/**
 * One draw of N(0, σ²) by Box–Muller: √(−2 ln U₁)·cos(2πU₂), with U₁ drawn to full precision so the tail reaches
 * 38σ rather than stopping at 8.6σ.
 */
export function gaussianNoise(sigma: number, random: RandomSource = secureRandom): number {
  requirePositive(sigma, 'sigma', 'pass gaussianSigma(l2Sensitivity, epsilon, delta)');
  const radius = Math.sqrt(-2 * Math.log(fullPrecisionUniform(random)));
  return sigma * radius * Math.cos(2 * Math.PI * random());
}

/**
 * Releases `value` (ε, δ)-differentially private with Gaussian noise of the analytic σ. Unlike `laplaceMechanism`
 * it is not snapped (Mironov's proof covers Laplace noise only; the discrete Gaussian of Canonne, Kamath & Steinke
 * 2020 would be the exact remedy), so prefer Laplace where pure ε-DP will do.
 */
export function gaussianMechanism(
  value: number,
  l2Sensitivity: number,
  epsilon: number,
  delta: number,
  options: { random?: RandomSource } = {},
): number {
  requireFinite(value, 'value');
  return value + gaussianNoise(gaussianSigma(l2Sensitivity, epsilon, delta), options.random);
}
