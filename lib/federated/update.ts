/**
 * A node's side of a round between the sandbox and the masks: the local step's outputs/update.json, checked, and
 * the vector [n·Δ′, n] the node releases, Δ′ being the update clipped and noised by the node itself.
 */
import type { RandomSource } from '../privacy/random';
import { clipAndNoise } from './dp';
import { FederatedUpdateError } from './errors';
import type { FederatedPlan } from './plan';

/** What the local step computed on one dataset: the change to the global model, and how many rows it learned from. */
export interface LocalUpdate {
  delta: Float64Array;
  samples: number;
}

/** outputs/update.json, parsed: exactly `{delta: number[dimension], samples: n}` with finite numbers and n ≥ 1. */
export function parseLocalUpdate(value: unknown, dimension: number): LocalUpdate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FederatedUpdateError('it is not a JSON object');
  const extra = Object.keys(value).filter((key) => key !== 'delta' && key !== 'samples');
  // Nothing but the update leaves the node, so any other field would be silently lost: refuse it where it shows.
  if (extra.length > 0) throw new FederatedUpdateError(`it has fields other than delta and samples: ${extra.slice(0, 5).join(', ')}`);
  const { delta, samples } = value as { delta?: unknown; samples?: unknown };
  if (!Array.isArray(delta) || delta.length !== dimension) {
    throw new FederatedUpdateError(`delta must be an array of ${dimension} numbers (the plan's dimension), not ${Array.isArray(delta) ? `${delta.length} of them` : typeof delta}`);
  }
  const bad = delta.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new FederatedUpdateError(`delta[${bad}] is not a finite number`);
  if (!(typeof samples === 'number' && Number.isSafeInteger(samples) && samples >= 1)) throw new FederatedUpdateError(`samples must be a whole number of rows, at least 1, not ${String(samples).slice(0, 40)}`);
  return { delta: Float64Array.from(delta as number[]), samples };
}

/**
 * The d+1 numbers a node encodes and masks: n times the clipped, noised update, then n, so the aggregator's sum
 * carries Σnᵢ·Δᵢ′ and Σnᵢ. The noise is scaled by n with the update, so the vector is a post-processing of the DP release
 * and of n. n itself is released exactly: a count the buyer's code picks could carry data, so a node that knows its
 * dataset's row count should pass that.
 */
export function weightedRelease(update: LocalUpdate, plan: Pick<FederatedPlan, 'clip' | 'noiseMultiplier'>, random?: RandomSource): Float64Array<ArrayBuffer> {
  const released = clipAndNoise(update.delta, plan.clip, plan.noiseMultiplier, random);
  const vector = new Float64Array(released.length + 1);
  released.forEach((x, i) => (vector[i] = update.samples * x));
  vector[released.length] = update.samples;
  return vector;
}
