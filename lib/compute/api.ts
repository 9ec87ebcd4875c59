/**
 * A provider node's jobs as its clients see them: the phases a job goes through, why it failed, and the views the
 * node's API answers (provider/server.ts) and the buyer's CLI, the browser and the pages read. Types and constants
 * only, no Node imports: the browser imports them without the node's job store (provider/jobs.ts).
 *
 * Two views of a job: the public one (anyone may follow a job: status, history, counts of the guard's findings)
 * and the report its buyer and its dataset's owner read (the findings themselves). Neither holds text the
 * algorithm wrote: details are the node's own words, findings point at entries by number (see guard/index.ts).
 */
import type { Address, Hex } from 'viem';
import type { FindingKind, GuardFinding } from './guard';

/**
 * A job's phases at its provider node, in order, following Ocean's compute-to-data lifecycle:
 * queued → provisioning → running → filtering → publishing → finished | failed (or cancelled by the buyer).
 */
export const JOB_STATUSES = ['queued', 'provisioning', 'running', 'filtering', 'publishing', 'finished', 'failed', 'cancelled'] as const;
export type JobPhase = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobPhase[] = ['finished', 'failed', 'cancelled'];

/**
 * Why a job failed. Before the algorithm ran: policy and provisioning codes (no minutes billed, data fee
 * refunded). After: the algorithm's own outcome, or the guard's block.
 */
export const FAILURE_REASONS = {
  'compute-not-allowed': 'the dataset’s licence does not allow this compute job',
  'provider-not-allowed': 'the dataset’s owner no longer allows this provider to run jobs on it',
  'algorithm-not-approved': 'the dataset only runs algorithms its owner approved, and this one was not approved in time',
  'data-unavailable': 'the dataset’s encrypted content could not be fetched from IPFS',
  'key-denied': 'the key network did not release the data key to this node',
  'data-corrupt': 'the decrypted data does not match the hash its owner signed',
  'runtime-unsupported': 'the algorithm’s runtime is not available on this node',
  'deadline': 'too little time was left before the job’s deadline to run it',
  'algorithm-error': 'the algorithm exited with an error',
  'timeout': 'the algorithm ran past the job’s maximum minutes',
  'memory': 'the algorithm exceeded the memory limit',
  'output-limit': 'the algorithm wrote more than the output limit',
  'blocked-leak': 'the output guard found raw data in the outputs or logs: nothing was released',
  'blocked-small-group': 'the output guard found groups smaller than the dataset’s minimum group size: nothing was released',
  'blocked-undecodable': 'the outputs hold content the output guard cannot decode (e.g. bzip2 or xz): write plain text, CSV, JSON, gzip or zip; nothing was released',
  'blocked-layout': 'the outputs break the output guard’s layout rules (too many files, names with characters other than letters, digits and . _ -, names too long or directories too deep): nothing was released',
  'blocked-output': 'the output guard refused the outputs (size, links or special files): nothing was released',
  'template-required': 'the dataset runs only its providers’ analysis templates: choose a template and send parameters, not code',
  'template-one-dataset': 'an analysis template runs on one dataset at a time: request one job per dataset',
  'template-params': 'the template’s parameters are not ones it takes, or name columns the dataset does not publish',
  'budget-mismatch': 'the job’s privacy budget does not match its parameters, or the owner’s budget requires noise',
  'template-error': 'the template did not write a result of its fixed shape: nothing was released',
  'node-error': 'the provider node failed while running the job',
} as const;
export type FailureReason = keyof typeof FAILURE_REASONS;

export interface JobEvent {
  status: JobPhase;
  at: string;
  detail?: string;
}

/**
 * The public view of a job: status, history and counts — no findings, results or buyer secrets, nor how the
 * algorithm ended (its exit code and run time are numbers it chooses). Integers of 64 bits and more are decimal strings.
 */
export interface PublicJobView {
  /** The job, or the first job of a run over several datasets. */
  jobId: string;
  datasetId: string;
  providerId: string;
  buyer: Address;
  algorithmHash: Hex;
  status: JobPhase;
  /** With a failure: its code and FAILURE_REASONS' words for it. */
  reason?: FailureReason;
  reasonText?: (typeof FAILURE_REASONS)[FailureReason];
  detail?: string;
  history: JobEvent[];
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  minutesUsed?: number;
  settlement?: { txHash: Hex; delivered: boolean };
  /** A run over several datasets: its other jobs, in order, each with its dataset and, once settled, its settlement. */
  linked?: { jobId: string; datasetId: string; settlement?: { txHash: Hex; delivered: boolean } }[];
  /** How many findings the guard made, of which kinds. */
  guard?: { findings: number; kinds: Partial<Record<FindingKind, number>> };
}

/** The job's report for its buyer and its dataset's owner: the public view, the guard's findings, how the algorithm ended. */
export interface JobReport extends PublicJobView {
  /** At most the guard's MAX_FINDINGS; `omittedFindings` counts the rest. */
  findings: GuardFinding[];
  omittedFindings: number;
  /** Once the algorithm ran and its results were released (else they would be a channel for the data). */
  runMs?: number;
  exitCode?: number | null;
  signal?: string | null;
}

/** A job as a client sees it: the report when signed in as its buyer or owner, else the public view. */
export type JobView = PublicJobView & Partial<Pick<JobReport, 'findings' | 'omittedFindings' | 'runMs' | 'exitCode' | 'signal'>>;
