/**
 * A job of a federated training on the compute page, apart from its looks: told apart from a job alone and from a
 * run over several datasets on one provider, each job of its run on-chain in words, the jobs whose escrow the
 * chain gives back, and the session its node shows (counts, bytes, ε and times: never a value).
 */
import type { PublicSessionView } from '@/lib/compute/provider/federated/session';
import { JobStatus } from '@/lib/compute/settlement';
import { attemptCells, federatedRun, onChainText, refundable, sessionFacts, type RunJob } from '@/components/compute/federated-status';

/** "4 dUSD" from micro-units of a 6-decimal stablecoin. */
const dusd = (value: bigint) => `${Number(value) / 1e6} dUSD`;

const DEADLINE = 1_800_000_000n;
const job = (jobId: bigint, providerId: bigint, changes: Partial<RunJob> = {}): RunJob => ({
  jobId,
  escrow: 4_500_000n,
  status: JobStatus.Accepted,
  job: { datasetId: jobId + 7n, providerId, deadline: DEADLINE },
  ...changes,
});
const split = { ownerAmount: 4_000_000n, providerAmount: 50_000n, marketFee: 0n, buyerRefund: 450_000n };

const session = (changes: Partial<PublicSessionView> = {}): PublicSessionView => ({
  jobId: '1',
  firstJobId: '1',
  datasetId: '8',
  providerId: '1',
  buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  planHash: `0x${'ab'.repeat(32)}`,
  plan: { rounds: 2, dimension: 5, clip: 1, noiseMultiplier: 0, lossBound: 2, participants: 2 },
  status: 'finished',
  rounds: [],
  released: 2,
  epsilonSpent: '0',
  bytesReleased: 112,
  joinedAt: '2026-01-01T00:00:00.000Z',
  ...changes,
});

describe('a job of a federated training', () => {
  it('is one whose run has jobs on different providers, not a job alone nor a run over several datasets on one provider', () => {
    const federated = [job(1n, 1n), job(2n, 2n)];
    expect(federatedRun(federated, 2n)).toBe(federated);
    expect(federatedRun([job(1n, 1n)], 1n)).toBeUndefined();
    expect(federatedRun([job(1n, 1n), job(2n, 1n)], 2n)).toBeUndefined();
  });

  it('says where each job of the run stands on-chain, and which the chain refunds after their deadline', () => {
    const before = DEADLINE;
    const after = DEADLINE + 1n;
    expect(onChainText(job(1n, 1n, { status: JobStatus.Settled, settlement: { resultHash: `0x${'01'.repeat(32)}`, minutesUsed: 1, delivered: true, split } }), after, dusd)).toBe('settled: 4.05 dUSD paid, 0.45 dUSD back to you');
    expect(onChainText(job(1n, 1n, { status: JobStatus.Refunded, returned: 4_500_000n }), after, dusd)).toBe('refunded: 4.5 dUSD back to you');
    expect(onChainText(job(1n, 1n), before, dusd)).toBe('open');
    expect(onChainText(job(1n, 1n, { status: JobStatus.Requested }), after, dusd)).toBe('open past its deadline (Jan 15, 2027, 8:00 AM UTC): refundable');

    // ComputeMarket refunds an open job only once the chain's clock is past its deadline.
    const run = [job(1n, 1n, { status: JobStatus.Settled }), job(2n, 2n), job(3n, 3n, { status: JobStatus.Requested })];
    expect(refundable(run, before)).toEqual([]);
    expect(refundable(run, after).map((j) => j.jobId)).toEqual([2n, 3n]);
  });

  it('shows the session its node keeps: status, updates and bytes released, the ε spent or that there is none', () => {
    expect(sessionFacts(session({ detail: 'settled in 0x12' }))).toEqual([
      ['Status', 'finished: settled in 0x12'],
      ['Updates released', '2 of 2 rounds'],
      ['Bytes released', '112 B'],
      ['ε spent', 'none counted: the plan adds no noise, so it gives no differential privacy'],
    ]);
    expect(sessionFacts(session({ status: 'open', released: 1, bytesReleased: 8_056, epsilonSpent: '8712345', plan: { ...session().plan, noiseMultiplier: 1 } }))).toEqual([
      ['Status', 'open'],
      ['Updates released', '1 of 2 rounds'],
      ['Bytes released', '8.1 kB'],
      ['ε spent', 'ε 8.712345'],
    ]);
  });

  it('lists each attempt of each round: its outcome, who took part, the bytes released and its wall time', () => {
    const attempt = { round: 1, attempt: 1, participants: 2, outcome: 'released' as const, bytes: 56, epsilon: '0', wallMs: 2_345, at: '2026-01-01T00:00:00.000Z' };
    expect(attemptCells(attempt)).toEqual({ round: '1', outcome: 'released', participants: '2 providers', bytes: '56 B', wall: '2.3 s' });
    expect(attemptCells({ ...attempt, round: 2, attempt: 2, outcome: 'failed', reason: 'timeout', bytes: 0 })).toEqual({ round: '2 (attempt 2)', outcome: 'failed (timeout)', participants: '2 providers', bytes: '0 B', wall: '2.3 s' });
  });
});
