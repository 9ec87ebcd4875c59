/**
 * The aggregator's side of a round (the buyer's client): sum the masked vectors in the ring, where the masks cancel,
 * decode the sum [Σnᵢ·Δᵢ′, Σnᵢ·ℓᵢ′ (when the plan bounds a loss), Σnᵢ] and take the FedAvg step
 * global += Σnᵢ·Δᵢ′ / Σnᵢ (McMahan et al. 2017), reading the round's loss as Σnᵢ·ℓᵢ′ / Σnᵢ scaled back by L/C.
 * No Node imports: it runs in the browser.
 */
import { AggregationError } from './errors';
import { decodeFixed, ringAdd } from './fixed';
import { MIN_PARTICIPANTS, vectorLength, type FederatedPlan } from './plan';

/** What a round gives the aggregator: the next global model and, when the plan bounds a loss, the round's loss. */
export interface RoundResult {
  model: Float64Array<ArrayBuffer>;
  /**
   * The incoming global model's loss, averaged over every participant's rows (weighted by them). Noised like the
   * updates, with a standard deviation of z·L·√(Σnᵢ²)/Σnᵢ: an unbiased estimate that may fall outside [0, L].
   */
  loss?: number;
}

/** The part of the plan a round's vectors are read with. */
export type AggregationPlan = Pick<FederatedPlan, 'dimension' | 'clip' | 'lossBound'>;

/** The ring sum of one attempt's masked vectors: at least MIN_PARTICIPANTS, all of one length. */
export function sumMasked(vectors: readonly BigUint64Array[]): BigUint64Array<ArrayBuffer> {
  if (vectors.length < MIN_PARTICIPANTS) throw new AggregationError(`${vectors.length} masked vector(s); a sum needs at least ${MIN_PARTICIPANTS} (one would be that provider's update)`);
  const [first, second, ...rest] = vectors as [BigUint64Array, BigUint64Array, ...BigUint64Array[]];
  const mismatched = vectors.findIndex((vector) => vector.length !== first.length);
  if (mismatched >= 0) throw new AggregationError(`vector ${mismatched} has ${vectors[mismatched]!.length} elements, vector 0 has ${first.length}`, 'drop the participant that sent the wrong length and retry the round');
  return rest.reduce<BigUint64Array<ArrayBuffer>>(ringAdd, ringAdd(first, second));
}

/** The new global model (and the round's loss) from the old model (d numbers) and a decoded sum of vectorLength(plan). */
export function fedAvgStep(global: Float64Array, sum: Float64Array, plan: AggregationPlan): RoundResult {
  const { dimension, lossBound } = plan;
  if (global.length !== dimension) throw new AggregationError(`a model of ${global.length} weights is not of the plan's dimension ${dimension}`, 'aggregate onto the global model of the plan');
  const length = vectorLength(plan);
  if (sum.length !== length) throw new AggregationError(`a sum of ${sum.length} elements does not fit the plan (it needs ${length})`);
  const samples = sum[length - 1]!;
  if (!(samples > 0)) throw new AggregationError(`the updates sum to ${samples} samples`, 'a participant sent a vector that is not its update; retry the round without it');
  const model = global.map((w, i) => w + sum[i]! / samples);
  return lossBound === undefined ? { model } : { model, loss: ((sum[dimension]! / samples) * lossBound) / plan.clip };
}

/** One round at the aggregator: the masked vectors of an attempt in, the next global model (and the round's loss) out. */
export function aggregateRound(global: Float64Array, masked: readonly BigUint64Array[], plan: AggregationPlan): RoundResult {
  return fedAvgStep(global, decodeFixed(sumMasked(masked)), plan);
}
