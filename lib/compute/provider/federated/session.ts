/**
 * A provider node's federated sessions: one per job this node joined, persisted as one JSON file (written
 * atomically) so a restarted node keeps every session's history — above all the updates it released and the ε
 * they spent, which must never be forgotten — and the public view anyone may read (counts, never values).
 */
import type { Address, Hex } from 'viem';
import type { FederatedPlan } from '../../../federated';
import type { SignedRoundReceipt } from '../../round-receipt';
import type { SignedReceipt } from '../../receipt';
import type { WrappedKey } from '../../results';
import type { JobJson } from '../jobs';
import { RecordStore } from '../records';

/**
 * A session's phases: open while the buyer drives rounds, then publishing, finished (settled: by the buyer's finish,
 * or by the node before the deadline when the buyer never finished) or failed (settling did not go through: tried
 * again while the job is open); closed when the chain closed the job without this node's settlement, or its
 * deadline passed before the node could settle it (it was down, or the chain unreachable).
 */
export type SessionStatus = 'open' | 'publishing' | 'finished' | 'failed' | 'closed';

/** One attempt of one round at this node, released or failed. */
export interface RoundEntry {
  round: number;
  attempt: number;
  /** How many nodes took part in the attempt. */
  participants: number;
  /** Which (provider ids): for the buyer, and for the rule that a retry only leaves providers out. */
  providers: string[];
  outcome: 'released' | 'failed';
  /** Why the attempt failed, in the node's words (never text the algorithm wrote). */
  reason?: string;
  /** Bytes of the masked update released (0 when failed). */
  bytes: number;
  /** ε this attempt spent, in millionths (0 when failed). */
  epsilon: string;
  wallMs: number;
  at: string;
  /** The signed round receipt (for the buyer: the public view leaves it out). */
  receipt?: SignedRoundReceipt;
}

/** Everything a node keeps about one federated job. Integers of 64 bits and more are decimal strings. */
export interface FederatedSession {
  jobId: string;
  /** The run's first job, as the chain's jobGroup says. */
  firstJobId: string;
  datasetId: string;
  /** The dataset's content on IPFS when the node joined, as the receipt names it. */
  datasetCid: string;
  providerId: string;
  buyer: Address;
  /** The on-chain Job struct. */
  job: JobJson;
  plan: FederatedPlan;
  /** The local step, kept 0600 by the node. */
  algorithm: { name: string; hash: Hex; runtime: 'python' | 'node'; file: string; bytes: number };
  /** The buyer's X25519 public key for the final results. */
  resultKey: string;
  status: SessionStatus;
  detail?: string;
  /** The weight n of this node's updates: its dataset's records, counted by the node at its first round. */
  records?: number;
  rounds: RoundEntry[];
  /** Updates released so far: the count the ε accountant composes over. */
  released: number;
  epsilonSpent: string;
  bytesReleased: number;
  wallMs: number;
  joinedAt: string;
  finishedAt?: string;
  results?: { cid: string; wrappedKey: WrappedKey };
  receipt?: SignedReceipt;
  settlement?: { txHash: Hex; delivered: boolean };
}

/** What anyone may read of a session: its plan's shape, counts and times, never a value nor a receipt. */
export function publicSessionView(session: FederatedSession) {
  const { plan } = session;
  return {
    jobId: session.jobId,
    firstJobId: session.firstJobId,
    datasetId: session.datasetId,
    providerId: session.providerId,
    buyer: session.buyer,
    planHash: session.job.algorithmHash as Hex,
    plan: { rounds: plan.rounds, dimension: plan.dimension, clip: plan.clip, noiseMultiplier: plan.noiseMultiplier, ...(plan.lossBound !== undefined ? { lossBound: plan.lossBound } : {}), participants: plan.participants.length },
    status: session.status,
    ...(session.detail ? { detail: session.detail } : {}),
    rounds: session.rounds.map(({ receipt: _receipt, providers: _providers, ...entry }) => entry),
    released: session.released,
    epsilonSpent: session.epsilonSpent,
    bytesReleased: session.bytesReleased,
    joinedAt: session.joinedAt,
    ...(session.finishedAt ? { finishedAt: session.finishedAt } : {}),
    ...(session.settlement ? { settlement: session.settlement } : {}),
  };
}
export type PublicSessionView = ReturnType<typeof publicSessionView>;

/** Session files under `dir`, with a change event per update (for Server-Sent Events). */
export class SessionStore extends RecordStore<FederatedSession> {
  /** Writes `session` whole: a crash leaves the old file or the new one, never a mix. */
  put(session: FederatedSession): FederatedSession {
    return this.write(session);
  }

  update(jobId: string, patch: Partial<FederatedSession>): FederatedSession {
    const current = this.records.get(jobId);
    if (!current) throw new Error(`no federated session ${jobId}`);
    return this.put({ ...current, ...patch });
  }
}
