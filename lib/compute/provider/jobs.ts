/**
 * The provider node's job queue, persisted as one JSON file per job (written atomically) so a restarted node
 * recovers every job where it stood, and the views of a job its API answers (their types: ../api).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Address, Hex } from 'viem';
import { FAILURE_REASONS, type FailureReason, type JobEvent, type JobPhase, type JobReport, type PublicJobView } from '../api';
import type { FindingKind, GuardFinding } from '../guard';
import type { SignedReceipt } from '../receipt';
import type { WrappedKey } from '../results';

/** Everything a node keeps about one job. Integers of 64 bits and more are decimal strings. */
export interface JobRecord {
  jobId: string;
  datasetId: string;
  providerId: string;
  buyer: Address;
  /** The on-chain Job struct as JSON (bigints as strings). */
  job: Record<string, string | number | boolean>;
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
  settlement?: { txHash: Hex; delivered: boolean };
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

/** Job files under `dir`, with a change event per update (for Server-Sent Events). */
export class JobStore extends EventEmitter<{ change: [JobRecord] }> {
  private readonly jobs = new Map<string, JobRecord>();

  constructor(private readonly dir: string) {
    super();
    this.setMaxListeners(0);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (!/^\d+\.json$/.test(name)) continue;
      const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as JobRecord;
      this.jobs.set(record.jobId, record);
    }
  }

  get(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  /** Every job, oldest first. */
  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => Number(BigInt(a.jobId) - BigInt(b.jobId)));
  }

  create(record: JobRecord): void {
    this.write(record);
  }

  /** Applies `patch`; a new status is appended to the history. */
  update(jobId: string, patch: Partial<JobRecord>, detail?: string): JobRecord {
    const current = this.jobs.get(jobId);
    if (!current) throw new Error(`no job ${jobId}`);
    const next: JobRecord = { ...current, ...patch };
    // A new status, or a new step within one (with its detail), goes into the history.
    if (patch.status && (patch.status !== current.status || detail)) next.history = [...current.history, { status: patch.status, at: new Date().toISOString(), ...(detail ? { detail } : {}) }];
    this.write(next);
    return next;
  }

  private write(record: JobRecord): void {
    const file = path.join(this.dir, `${record.jobId}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 1), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.jobs.set(record.jobId, record);
    this.emit('change', record);
  }
}
