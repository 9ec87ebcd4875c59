/**
 * The errors of federated training: each says what was refused and what to do about it. No Node imports: the
 * buyer's aggregator runs in the browser and throws them too.
 */
import { DatagoraError } from '../errors';

/** A federated plan that is malformed or outside the bounds a node runs. Thrown before anything is paid. */
export class FederatedPlanError extends DatagoraError {
  constructor(problem: string, hint = 'fix the plan; nothing was paid') {
    super(`federated plan: ${problem}`, hint);
  }
}

/** A value the fixed-point ring cannot hold, or ring bytes that are not a vector of the expected length. */
export class RingEncodingError extends DatagoraError {}

/** An X25519 agreement key that is malformed, unset, of low order, or a copy of one's own. */
export class AgreementKeyError extends DatagoraError {
  constructor(problem: string, hint = 'the provider must publish its own X25519 public key with setAgreementKey') {
    super(`agreement key: ${problem}`, hint);
  }
}

/** A mask asked for in a context the participants cannot agree on (peers missing, unsorted, oneself absent). */
export class MaskContextError extends DatagoraError {
  constructor(problem: string, hint = 'build the context from the chain: the run’s first job id and the attempt’s providers, ascending') {
    super(`mask context: ${problem}`, hint);
  }
}

/** A local update of the wrong shape: not d finite numbers, or a sample count that is not a positive integer. */
export class FederatedUpdateError extends DatagoraError {
  constructor(problem: string, hint = 'the local step must write outputs/update.json as {"delta": [d numbers], "samples": n}') {
    super(`local update: ${problem}`, hint);
  }
}

/** A round's masked vectors cannot be combined: too few, of different lengths, or summing to no samples. */
export class AggregationError extends DatagoraError {
  constructor(problem: string, hint = 'retry the round with the participants that answered (at least 2)') {
    super(`aggregation: ${problem}`, hint);
  }
}
