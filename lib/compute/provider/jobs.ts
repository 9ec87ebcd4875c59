/**
 * The provider node's job queue, persisted as one JSON file per job (written atomically) so a restarted node
 * recovers every job where it stood, and the views of a job its API answers (their types: ../api). A run over
 * several datasets (linked jobs, ComputeMarket.jobGroup) is one record, kept under its first job's id.
 */
import type { Address, Hex } from 'viem';
import { FAILURE_REASONS, type FailureReason, type JobEvent, type JobPhase, type JobReport, type PublicJobView } from '../api';
import type { FindingKind, GuardFinding } from '../guard';
import type { SignedReceipt } from '../receipt';
import type { WrappedKey } from '../results';
import type { Job } from '../settlement';
import { RecordStore } from './records';

/** An on-chain Job struct as JSON (bigints as strings). */
export type JobJson = Record<string, string | number | boolean>;

/** `job` as a record keeps it. */
export function jobJson(job: Job): JobJson {
  return Object.fromEntries(Object.entries(job).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : value])) as JobJson;
}

/** The Job struct a record kept, with its integers back as bigints. */
export function jobStruct(j: JobJson): Job {
  return {
    datasetId: BigInt(j.datasetId as string),
    providerId: BigInt(j.providerId as string),
    buyer: j.buyer as Job['buyer'],
    currency: j.currency as Job['currency'],
    algorithmHash: j.algorithmHash as Job['algorithmHash'],
    dataFee: BigInt(j.dataFee as string),
    pricePerMinute: BigInt(j.pricePerMinute as string),
    maxMinutes: Number(j.maxMinutes),
    feeBps: Number(j.feeBps),
    environment: Number(j.environment),
    aiTraining: Boolean(j.aiTraining),
    deadline: BigInt(j.deadline as string),
    epsilon: BigInt(j.epsilon as string),
    releaseBytes: BigInt(j.releaseBytes as string),
  };
}

/** A later job of a record's run: its dataset, its Job struct and, once settled, its settlement. */
export interface LinkedJob {
  jobId: string;
  datasetId: string;
  job: JobJson;
  settlement?: { txHash: Hex; delivered: boolean };
}

/** Everything a node keeps about one job, or one run of linked jobs. Integers of 64 bits and more are decimal strings. */
export interface JobRecord {
  /** The job, or the run's first job. */
  jobId: string;
  datasetId: string;
  providerId: string;
  buyer: Address;
  job: JobJson;
  /** The run's other jobs, in order (absent for a job requested alone): one dataset each, all run at once. */
  linked?: LinkedJob[];
  algorithm: { name: string; hash: Hex; runtime: 'python' | 'node'; file: string; bytes: number };
  params: unknown;
  /** The model a job of the `evaluate` template scores, as the buyer sent it (kept 0600 by the node). */
  model?: { file: string; bytes: number };
  /** The buyer's X25519 public key for results. */
  resultKey: string;
  status: JobPhase;
  reason?: FailureReason;
  detail?: string;
  history: JobEvent[];
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Times the pipeline was started (a restart mid-job starts it again). */
  attempts: number;
  run?: { outcome: string; exitCode: number | null; signal: string | null; wallMs: number; enforced?: unknown };
  minutesUsed?: number;
  /** The guard's findings, at most MAX_FINDINGS. */
  findings?: GuardFinding[];
  /** Findings of each kind, omitted ones included. */
  findingKinds?: Partial<Record<FindingKind, number>>;
  omittedFindings?: number;
  results?: { cid: string; wrappedKey: WrappedKey };
  receipt?: SignedReceipt;
  /** The first job's settlement (the others' are in `linked`). */
  settlement?: { txHash: Hex; delivered: boolean };
  /**
   * What the run settles with, kept before its first settlement and never served: a node restarted between two
   * settlements settles the rest with the same receipt instead of running the algorithm again.
   */
  pending?: PendingSettlement;
}

/** A run's signed receipt, its result hash and released bytes, its results and how it failed, if it did. */
export interface PendingSettlement {
  receipt: SignedReceipt;
  resultHash: Hex;
  releasedBytes: string;
  results?: { cid: string; wrappedKey: WrappedKey };
  failure?: { reason: FailureReason; detail?: string };
}

/** Every job of the record's run, the first one first, with its struct. */
export function runJobs(record: JobRecord): { jobId: bigint; datasetId: bigint; job: Job }[] {
  return [record, ...(record.linked ?? [])].map((entry) => ({ jobId: BigInt(entry.jobId), datasetId: BigInt(entry.datasetId), job: jobStruct(entry.job) }));
}

/** How many findings the guard made, of which kinds: all the public learns of them. */
function findingCounts(record: JobRecord): { findings: number; kinds: Partial<Record<FindingKind, number>> } | undefined {
  if (!record.findings) return undefined;
  // Records from before findingKinds was kept count what they hold.
  const kinds = record.findingKinds ?? record.findings.reduce<Partial<Record<FindingKind, number>>>((counts, f) => ({ ...counts, [f.kind]: (counts[f.kind] ?? 0) + 1 }), {});
  return { findings: Object.values(kinds).reduce((sum, n) => sum + n, 0), kinds };
}

/**
 * The public view of a job: status, history and counts — no findings, results or buyer secrets, nor how the
 * algorithm ended (its exit code and run time are numbers it chooses).
 */
export function publicView(record: JobRecord): PublicJobView {
  const counts = findingCounts(record);
  return {
    jobId: record.jobId,
    datasetId: record.datasetId,
    providerId: record.providerId,
    buyer: record.buyer,
    algorithmHash: record.algorithm.hash,
    status: record.status,
    ...(record.reason ? { reason: record.reason, reasonText: FAILURE_REASONS[record.reason] } : {}),
    ...(record.detail ? { detail: record.detail } : {}),
    history: record.history,
    submittedAt: record.submittedAt,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.minutesUsed !== undefined ? { minutesUsed: record.minutesUsed } : {}),
    ...(record.settlement ? { settlement: record.settlement } : {}),
    ...(record.linked ? { linked: record.linked.map(({ jobId, datasetId, settlement }) => ({ jobId, datasetId, ...(settlement ? { settlement } : {}) })) } : {}),
    ...(counts ? { guard: counts } : {}),
  };
}

/** The job's report for its buyer and its dataset's owner: the public view, the guard's findings, how the algorithm ended. */
export function jobReport(record: JobRecord): JobReport {
  return {
    ...publicView(record),
    findings: record.findings ?? [],
    omittedFindings: record.omittedFindings ?? 0,
    // How a run ended is the algorithm's to choose (exit code, signal, run time): a channel for the data outside the
    // byte budget, so only a job that released its results reports it.
    ...(record.run && record.settlement?.delivered ? { runMs: record.run.wallMs, exitCode: record.run.exitCode, signal: record.run.signal } : {}),
  };
}

/** Job files under `dir`, with a change event per update (for Server-Sent Events); a run is kept under its first job. */
export class JobStore extends RecordStore<JobRecord> {
  /** A run's later job ids → its first job's. */
  private readonly runs = new Map<string, string>();

  constructor(dir: string) {
    super(dir);
    for (const record of this.records.values()) this.index(record);
  }

  /** The record of the job, or of the run it belongs to. */
  find(jobId: string): JobRecord | undefined {
    return this.records.get(this.runs.get(jobId) ?? jobId);
  }

  create(record: JobRecord): void {
    this.write(record);
  }

  /** Applies `patch`; a new status is appended to the history. */
  update(jobId: string, patch: Partial<JobRecord>, detail?: string): JobRecord {
    const current = this.records.get(jobId);
    if (!current) throw new Error(`no job ${jobId}`);
    const next: JobRecord = { ...current, ...patch };
    // A new status, or a new step within one (with its detail), goes into the history.
    if (patch.status && (patch.status !== current.status || detail)) next.history = [...current.history, { status: patch.status, at: new Date().toISOString(), ...(detail ? { detail } : {}) }];
    this.write(next);
    return next;
  }

  protected override keep(record: JobRecord): void {
    super.keep(record);
    this.index(record);
  }

  private index(record: JobRecord): void {
    for (const linked of record.linked ?? []) this.runs.set(linked.jobId, record.jobId);
  }
}
