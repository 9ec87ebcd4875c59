/** Errors of the output guard: each says what happened and what to do about it. */
import { DatagoraError } from '../../errors';

/** The raw dataset file could not be read to build the leak index. */
export class LeakIndexError extends DatagoraError {
  constructor(
    readonly file: string,
    cause?: unknown,
  ) {
    super(
      `cannot read the dataset file ${file} to index it: ${(cause as Error | undefined)?.message ?? 'unknown error'}`,
      'decrypt the dataset to a local plaintext file before guarding the job’s outputs, and pass that path',
      { cause },
    );
  }
}

/** A guard policy that cannot be applied, or a missing index where the policy needs one. */
export class GuardPolicyError extends DatagoraError {
  constructor(problem: string, hint: string) {
    super(`output guard policy: ${problem}`, hint);
  }
}
