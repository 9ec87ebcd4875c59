/**
 * A node's side of a round between the sandbox and the masks: the local step's outputs/update.json, checked, and
 * the vector [n·Δ′, n·ℓ′, n] the node releases, Δ′ being the update clipped and noised by the node itself and ℓ′
 * the loss it reported, clamped, scaled into [0, C] and noised alike (only when the plan bounds a loss).
 */
import type { RandomSource } from '../privacy/random';
import { addNoise, clipToNorm } from './dp';
import { FederatedUpdateError } from './errors';
import type { FederatedPlan } from './plan';

/** What the local step computed on one dataset: the change to the global model, how many rows it learned from, and the incoming model's loss on them. */
export interface LocalUpdate {
  delta: Float64Array;
  samples: number;
  /** Present exactly when the plan has a lossBound. */
  loss?: number;
}

const hint = (plan: Pick<FederatedPlan, 'lossBound'>) =>
  `the local step must write outputs/update.json as {"delta": [d numbers], "samples": n${plan.lossBound === undefined ? '' : ', "loss": the incoming model’s loss on its rows'}}`;

/**
 * outputs/update.json, parsed: exactly `{delta: number[dimension], samples: n}` with finite numbers and n ≥ 1, and
 * `loss`, a finite number, when the plan bounds a loss (never otherwise). The loss is not range-checked here: the
 * node clamps it, so a value out of range says nothing the clamped one does not.
 */
export function parseLocalUpdate(value: unknown, plan: Pick<FederatedPlan, 'dimension' | 'lossBound'>): LocalUpdate {
  const refuse = (problem: string) => new FederatedUpdateError(problem, hint(plan));
  const { dimension } = plan;
  const reportsLoss = plan.lossBound !== undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse('it is not a JSON object');
  const fields = reportsLoss ? ['delta', 'samples', 'loss'] : ['delta', 'samples'];
  const extra = Object.keys(value).filter((key) => !fields.includes(key));
  // Nothing but the update leaves the node, so any other field would be silently lost: refuse it where it shows.
  if (extra.length > 0) throw refuse(`it has fields other than ${fields.join(', ')}: ${extra.slice(0, 5).join(', ')}${reportsLoss ? '' : ' (a loss is only reported when the plan has a lossBound)'}`);
  const { delta, samples, loss } = value as { delta?: unknown; samples?: unknown; loss?: unknown };
  if (!Array.isArray(delta) || delta.length !== dimension) {
    throw refuse(`delta must be an array of ${dimension} numbers (the plan's dimension), not ${Array.isArray(delta) ? `${delta.length} of them` : typeof delta}`);
  }
  const bad = delta.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw refuse(`delta[${bad}] is not a finite number`);
  if (!(typeof samples === 'number' && Number.isSafeInteger(samples) && samples >= 1)) throw refuse(`samples must be a whole number of rows, at least 1, not ${String(samples).slice(0, 40)}`);
  const update: LocalUpdate = { delta: Float64Array.from(delta as number[]), samples };
  if (!reportsLoss) return update;
  if (!(typeof loss === 'number' && Number.isFinite(loss))) throw refuse(`loss must be a finite number (the plan has a lossBound), not ${loss === undefined ? 'missing' : String(loss).slice(0, 40)}`);
  return { ...update, loss };
}

/** The loss as the node releases it: clamped to [0, L], then scaled into [0, C] so it weighs no more than the update. */
function lossCoordinate(loss: number, plan: Pick<FederatedPlan, 'clip'> & { lossBound: number }): number {
  return (Math.min(Math.max(loss, 0), plan.lossBound) * plan.clip) / plan.lossBound;
}

/**
 * The vectorLength(plan) numbers a node encodes and masks: n times the clipped update, then n times the loss
 * coordinate when the plan bounds a loss, both noised with N(0, (zC)²) on every coordinate, then n — so the
 * aggregator's sum carries Σnᵢ·Δᵢ′, Σnᵢ·ℓᵢ′ and Σnᵢ. The noise is scaled by n with the rest, so the vector is a
 * post-processing of the DP release and of n. n itself is released exactly: a count the buyer's code picks could
 * carry data, so a node that knows its dataset's row count should pass that.
 */
export function weightedRelease(update: LocalUpdate, plan: Pick<FederatedPlan, 'clip' | 'noiseMultiplier' | 'lossBound'>, random?: RandomSource): Float64Array<ArrayBuffer> {
  const { lossBound } = plan;
  if ((lossBound === undefined) !== (update.loss === undefined)) throw new FederatedUpdateError(lossBound === undefined ? 'it carries a loss the plan does not report' : 'it carries no loss, and the plan reports one', hint(plan));
  const clipped = clipToNorm(update.delta, plan.clip);
  const release = new Float64Array(clipped.length + (lossBound === undefined ? 0 : 1));
  release.set(clipped);
  if (lossBound !== undefined) release[clipped.length] = lossCoordinate(update.loss!, { clip: plan.clip, lossBound });
  addNoise(release, plan.clip, plan.noiseMultiplier, random);
  const vector = new Float64Array(release.length + 1);
  release.forEach((x, i) => (vector[i] = update.samples * x));
  vector[release.length] = update.samples;
  return vector;
}
