/** How the pipeline ends a job as failed: a reason from FAILURE_REASONS and, where it quotes nothing private, a detail. */
import { FAILURE_REASONS, type FailureReason } from '../api';

/** Thrown inside the pipeline to end a job as failed with a reason. */
export class JobFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly detail?: string,
  ) {
    super(detail ?? FAILURE_REASONS[reason]);
  }
}
