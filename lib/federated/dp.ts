/**
 * DP-FedAvg's privacy, applied by each node to its own update (never trusting the buyer's local step): clip the
 * update to L2 norm C, add N(0, (zC)²) to every coordinate, and account the ε of R such releases.
 *
 * Neighbouring datasets differ in one row replaced: the sample count n travels exactly beside the update, so adding
 * or removing a row is not what this protects. The local step is the buyer's code, so it can push the clipped update
 * to +C·e for one row value and −C·e for another: the L2 sensitivity of a release is 2C, not the C of add/remove
 * accounting (Opacus's, McMahan et al.'s client-level DP-FedAvg). Hence SENSITIVITY_IN_CLIPS. A plan with a loss
 * bound releases one more coordinate, the loss mapped into [0, C], under the same noise: see SENSITIVITY_WITH_LOSS_IN_CLIPS.
 */
import { toMicroEpsilon } from '../privacy/budget';
import { PrivacyParameterError, requireDelta, requirePositive } from '../privacy/errors';
import { gaussianNoise } from '../privacy/mechanisms';
import { secureRandom, type RandomSource } from '../privacy/random';
import { FederatedUpdateError } from './errors';
import type { FederatedPlan } from './plan';

const CLIP_HINT = 'the clip C is the largest L2 norm an update keeps: a finite number above 0, from the plan';

/** ‖v‖₂ computed on v/max|vᵢ|, so coordinates of 1e200 neither overflow nor a norm of 1e-200 underflow. NaN if any is. */
export function l2Norm(v: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < v.length; i++) largest = Math.max(largest, Math.abs(v[i]!));
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i]! / largest) ** 2;
  return largest * Math.sqrt(sum);
}

/** `update` scaled down to L2 norm at most `clip` (as computed: rounding never leaves it above). */
export function clipToNorm(update: ArrayLike<number>, clip: number): Float64Array<ArrayBuffer> {
  requirePositive(clip, 'clip', CLIP_HINT);
  const norm = l2Norm(update);
  if (!Number.isFinite(norm)) {
    const index = Array.prototype.findIndex.call(update, (x: number) => !Number.isFinite(x));
    throw new FederatedUpdateError(`coordinate ${index} is ${update[index]}, not a finite number`);
  }
  const clipped = Float64Array.from(update);
  // One scaling by clip/norm can land an ulp or two above the clip; shrink by a hair until it does not.
  for (let factor = clip / norm; l2Norm(clipped) > clip; factor *= 1 - 2 ** -40) {
    for (let i = 0; i < clipped.length; i++) clipped[i] = update[i]! * factor;
  }
  return clipped;
}

/**
 * The Gaussian mechanism on a release bounded in clips (the clipped update, and the loss when reported): N(0, (z·clip)²)
 * added to every coordinate of `release`, in place (none for z = 0). Returns `release`.
 */
export function addNoise<T extends Float64Array>(release: T, clip: number, noiseMultiplier: number, random: RandomSource = secureRandom): T {
  requirePositive(clip, 'clip', CLIP_HINT);
  requireNoiseMultiplier(noiseMultiplier);
  if (noiseMultiplier === 0) return release;
  const sigma = noiseMultiplier * clip;
  for (let i = 0; i < release.length; i++) release[i] = release[i]! + gaussianNoise(sigma, random);
  return release;
}

function requireNoiseMultiplier(z: number): void {
  if (!(z >= 0 && Number.isFinite(z))) {
    throw new PrivacyParameterError('noiseMultiplier', z, 'must be a finite number, at least 0', 'z is the noise’s standard deviation in clips: about 1 for useful privacy, 0 for none');
  }
}

function requireReleases(releases: number, parameter: string): void {
  if (!(Number.isSafeInteger(releases) && releases >= 1)) {
    throw new PrivacyParameterError(parameter, releases, 'must be a whole number, at least 1', 'count every update a node released, retried attempts too');
  }
}

/** The L2 sensitivity of one node's release, in clips: a replaced row can move a clipped update from +C to −C. */
export const SENSITIVITY_IN_CLIPS = 2;
/**
 * The same with the loss coordinate, clamped into [0, C]: a replaced row moves the update by up to 2C and, at once,
 * the loss from 0 to C, so two releases are at most √((2C)² + C²) = √5·C apart, reached by (+C·e, 0) and (−C·e, C).
 * (The release's own norm is at most √2·C, which would bound the distance by 2√2·C: looser, since the loss is never
 * negative.)
 */
export const SENSITIVITY_WITH_LOSS_IN_CLIPS = Math.sqrt(5);

/**
 * What an ε is worked out from: `rounds` releases (every attempt that released one counts) under a plan's noise, δ
 * and loss bound — the plan itself, or `{ ...plan, rounds: releasedSoFar }`.
 */
export type FederatedSpend = Pick<FederatedPlan, 'noiseMultiplier' | 'delta' | 'lossBound'> & { rounds: number };

/** The L2 sensitivity of one release under `plan`, in clips: the loss coordinate, when the plan reports one, adds to it. */
export function releaseSensitivity(plan: Pick<FederatedPlan, 'lossBound'>): number {
  return plan.lossBound === undefined ? SENSITIVITY_IN_CLIPS : SENSITIVITY_WITH_LOSS_IN_CLIPS;
}

/**
 * The ε of `releases` Gaussian mechanisms whose noise is `noiseMultiplier` times their L2 sensitivity, at δ, by
 * Rényi DP: each is (α, α/2z²)-RDP for every α > 1 (Mironov 2017, "Rényi Differential Privacy", Prop. 7), R of them
 * compose to (α, Rα/2z²), and (α, ε_α)-RDP gives (ε_α + ln(1/δ)/(α−1), δ)-DP (ibid., Prop. 3). With ρ = R/2z² the
 * minimum over every real α > 1 (not a grid of orders, as Opacus takes for subsampled mechanisms) is reached at
 * α = 1 + √(ln(1/δ)/ρ): ε = ρ + 2√(ρ·ln(1/δ)), the zCDP bound of Bun & Steinke 2016, Prop. 1.3. Infinity for z = 0.
 */
export function gaussianRdpEpsilon({ releases, noiseMultiplier, delta }: { releases: number; noiseMultiplier: number; delta: number }): number {
  requireReleases(releases, 'releases');
  requireNoiseMultiplier(noiseMultiplier);
  requireDelta(delta);
  if (noiseMultiplier === 0) return Infinity;
  const rho = releases / (2 * noiseMultiplier ** 2);
  return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
}

/**
 * The ε a node's dataset spends on `rounds` released updates (every attempt that released one counts) clipped to C
 * with noise z·C: the Gaussian mechanism's RDP bound at sensitivity releaseSensitivity(spend)·C.
 */
export function federatedEpsilon(spend: FederatedSpend): number {
  requireReleases(spend.rounds, 'rounds');
  return gaussianRdpEpsilon({ releases: spend.rounds, noiseMultiplier: spend.noiseMultiplier / releaseSensitivity(spend), delta: spend.delta });
}

/** federatedEpsilon in millionths, rounded up, as a job reserves it on-chain. z = 0 has no ε to reserve. */
export function epsilonMillionths(spend: FederatedSpend): bigint {
  const epsilon = federatedEpsilon(spend);
  if (epsilon === Infinity) {
    throw new PrivacyParameterError('noiseMultiplier', 0, 'gives no privacy guarantee, so no ε can be reserved', 'only a dataset without an ε budget trains without noise; it reserves 0');
  }
  return toMicroEpsilon(epsilon);
}
