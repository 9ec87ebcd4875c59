/**
 * The aggregator's side of a round (the buyer's client): sum the masked vectors in the ring, where the masks cancel,
 * decode the sum [Σnᵢ·Δᵢ′, Σnᵢ] and take the FedAvg step global += Σnᵢ·Δᵢ′ / Σnᵢ (McMahan et al. 2017).
 * No Node imports: it runs in the browser.
 */
import { AggregationError } from './errors';
import { decodeFixed, ringAdd } from './fixed';
import { MIN_PARTICIPANTS } from './plan';

/** The ring sum of one attempt's masked vectors: at least MIN_PARTICIPANTS, all of one length. */
export function sumMasked(vectors: readonly BigUint64Array[]): BigUint64Array<ArrayBuffer> {
  if (vectors.length < MIN_PARTICIPANTS) throw new AggregationError(`${vectors.length} masked vector(s); a sum needs at least ${MIN_PARTICIPANTS} (one would be that provider's update)`);
  const [first, second, ...rest] = vectors as [BigUint64Array, BigUint64Array, ...BigUint64Array[]];
  const mismatched = vectors.findIndex((vector) => vector.length !== first.length);
  if (mismatched >= 0) throw new AggregationError(`vector ${mismatched} has ${vectors[mismatched]!.length} elements, vector 0 has ${first.length}`, 'drop the participant that sent the wrong length and retry the round');
  return rest.reduce<BigUint64Array<ArrayBuffer>>(ringAdd, ringAdd(first, second));
}

/** The new global model from the old one (d numbers) and a decoded sum (d+1: Σnᵢ·Δᵢ′ then Σnᵢ). */
export function fedAvgStep(global: Float64Array, sum: Float64Array): Float64Array<ArrayBuffer> {
  if (sum.length !== global.length + 1) throw new AggregationError(`a sum of ${sum.length} elements does not fit a model of ${global.length} (it needs ${global.length + 1})`);
  const samples = sum[global.length]!;
  if (!(samples > 0)) throw new AggregationError(`the updates sum to ${samples} samples`, 'a participant sent a vector that is not its update; retry the round without it');
  return global.map((w, i) => w + sum[i]! / samples);
}

/** One round at the aggregator: the masked vectors of an attempt in, the next global model out. */
export function aggregateRound(global: Float64Array, masked: readonly BigUint64Array[]): Float64Array<ArrayBuffer> {
  return fedAvgStep(global, decodeFixed(sumMasked(masked)));
}
