/**
 * A job of a federated training as the compute page tells it, apart from its looks: whether a job this browser
 * requested is one (its run on-chain has jobs on different providers), each job of the run on-chain, its session at
 * its node attempt by attempt (counts, bytes, ε and times: a node never shows a value), and the jobs whose escrow
 * the buyer can take back.
 */
import { nodeJobOf, type RunJobOnChain } from '@/lib/compute/actions/results';
import type { PublicSessionView } from '@/lib/compute/provider/federated/session';
import { epsilonText } from '@/lib/compute/release-words';
import { JobStatus, type Job } from '@/lib/compute/settlement';
import { formatBytes } from '@/lib/units';
import { formatDateTime } from '@/components/dataset/format';
import { wallTime } from './federated-choice';

/** The final model among a federated job's outputs, beside rounds.json (the round receipts its node signed). */
export const MODEL_OUTPUT = 'model.json';

/** A job of a run as this module reads it. */
export type RunJob = Pick<RunJobOnChain, 'jobId' | 'escrow' | 'status' | 'settlement' | 'returned'> & { job: Pick<Job, 'datasetId' | 'providerId' | 'deadline'> };

/** The run `jobId` belongs to, when it is a federated training; undefined for a job alone or a run on one provider. */
export function federatedRun<J extends RunJob>(run: readonly J[], jobId: bigint): readonly J[] | undefined {
  return nodeJobOf(run, jobId).federated ? run : undefined;
}

/** Paid, or accepted by its provider, and neither settled nor given back. */
const open = (job: RunJob) => job.status === JobStatus.Requested || job.status === JobStatus.Accepted;

/** Whether a job of the run may still change on-chain (the page reads it again until none may). */
export const anyOpen = (run: readonly RunJob[]): boolean => run.some(open);

/** The jobs of the run still open on-chain after their deadline (`now`: the chain's clock): ComputeMarket refunds them. */
export function refundable<J extends RunJob>(run: readonly J[], now: bigint): J[] {
  return run.filter((job) => open(job) && now > job.job.deadline);
}

export const deadlineText = (job: RunJob): string => formatDateTime(new Date(Number(job.job.deadline) * 1000));

/** Where a job of the run stands on-chain, in words; `amount` words an amount of the stablecoin. */
export function onChainText(job: RunJob, now: bigint, amount: (value: bigint) => string): string {
  if (job.status === JobStatus.Settled) {
    if (!job.settlement) return 'settled';
    const { ownerAmount, providerAmount, marketFee, buyerRefund } = job.settlement.split;
    return `settled${job.settlement.delivered ? '' : ', not delivered'}: ${amount(ownerAmount + providerAmount + marketFee)} paid, ${amount(buyerRefund)} back to you`;
  }
  if (job.status === JobStatus.Refunded || job.status === JobStatus.Cancelled) return `${job.status === JobStatus.Refunded ? 'refunded' : 'cancelled'}: ${amount(job.returned ?? job.escrow)} back to you`;
  return now > job.job.deadline ? `open past its deadline (${deadlineText(job)}): refundable` : 'open';
}

/** What the node's public view says of the session, labelled. */
export function sessionFacts(view: PublicSessionView): [string, string][] {
  return [
    ['Status', view.detail ? `${view.status}: ${view.detail}` : view.status],
    ['Updates released', `${view.released} of ${view.plan.rounds} ${view.plan.rounds === 1 ? 'round' : 'rounds'}`],
    ['Bytes released', formatBytes(view.bytesReleased)],
    ['ε spent', view.plan.noiseMultiplier === 0 ? 'none counted: the plan adds no noise, so it gives no differential privacy' : `ε ${epsilonText(view.epsilonSpent)}`],
  ];
}

/** One attempt of a round at the node, as the page lists it. */
export function attemptCells(entry: PublicSessionView['rounds'][number]): { round: string; outcome: string; participants: string; bytes: string; wall: string } {
  return {
    round: `${entry.round}${entry.attempt > 1 ? ` (attempt ${entry.attempt})` : ''}`,
    outcome: entry.outcome === 'failed' ? `failed${entry.reason ? ` (${entry.reason})` : ''}` : 'released',
    participants: `${entry.participants} providers`,
    bytes: formatBytes(entry.bytes),
    wall: wallTime(entry.wallMs),
  };
}
