/**
 * The errors of compute-to-data, buyer and provider side: each says what happened and what to do about it. No
 * Node imports: the browser's compute flows throw and catch them too. (A job's parameter errors stay beside the
 * rules they report, in algorithm.ts.)
 */
import { DatagoraError, UnavailableError } from '../errors';

/** A compute job cannot be quoted, requested, opened or followed as asked. */
export class ComputeJobError extends DatagoraError {}

/**
 * One dataset of a job refuses it as chosen (delisted, its owner does not allow the provider, its licence or its
 * release budgets refuse the job, another currency than the others'): `datasetId` names it, so a page can point at
 * it among several.
 */
export class JobDatasetError extends ComputeJobError {
  constructor(
    readonly datasetId: bigint,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

/** The node refused a request: HTTP status, a reason code and words. */
export class ProviderRequestError extends DatagoraError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    hint = 'see the reason above',
  ) {
    super(message, hint);
  }
}

/** The node cannot start: no sandbox, or the node key is registered to another operator. */
export class ProviderSetupError extends DatagoraError {}

/** A receipt file that is malformed or whose signature does not hold. */
export class ReceiptError extends DatagoraError {
  constructor(message: string, hint = 'ask the provider for the receipt again; do not rely on this one') {
    super(message, hint);
  }
}

/** The results are unreadable: wrong key, tampered files or a malformed manifest. */
export class ResultsError extends DatagoraError {
  constructor(message: string, hint = 'fetch the results again; if it persists, the provider released bad results', options?: { cause?: unknown }) {
    super(message, hint, options);
  }
}

/** nvidia-smi printed something that is not the CSV it was asked for. */
export class NvidiaSmiOutputError extends DatagoraError {
  constructor(line: string) {
    super(
      `nvidia-smi printed a line that is not "name, memory.total, uuid, driver_version": ${JSON.stringify(line.slice(0, 200))}`,
      'Run `nvidia-smi --query-gpu=name,memory.total,uuid,driver_version --format=csv,noheader,nounits` by hand; a driver/library version mismatch or a failing GPU shows up there.',
    );
  }
}

/** bubblewrap (or a tool the sandbox needs) is missing or cannot create namespaces here. */
export class SandboxUnavailableError extends UnavailableError {
  constructor(reason: string, hint: string, cause?: unknown) {
    super(reason, hint, { cause });
  }
}

/** A job description the sandbox cannot run as given. */
export class SandboxJobError extends DatagoraError {
  constructor(problem: string, hint: string) {
    super(problem, hint);
  }
}

/** The raw dataset file could not be read to build the output guard's leak index. */
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

/** An output guard policy that cannot be applied, or a missing index where the policy needs one. */
export class GuardPolicyError extends DatagoraError {
  constructor(problem: string, hint: string) {
    super(`output guard policy: ${problem}`, hint);
  }
}
