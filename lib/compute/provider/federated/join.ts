/**
 * Joining a federated job: everything is checked against the chain before the node accepts the job — the job paid
 * and this node's, its run (jobGroup, never the buyer's word) spread over different providers, the plan the one
 * whose hash the jobs committed to and naming exactly the run's datasets and providers, the local step the plan's,
 * the dataset's licence and compute policy, its ε budget against the plan's noise and the job's reservation, and
 * this node's agreement key on-chain. Only then does the node accept the job and keep the session.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Address } from 'viem';
import { contractsOf } from '../../../contracts';
import { epsilonMillionths, FederatedPlanError, parsePlan, planHash, vectorLength, type FederatedPlan } from '../../../federated';
import { algorithmHash, runtimeOf } from '../../algorithm';
import { ProviderRequestError } from '../../errors';
import { requiresNoise } from '../../policy';
import { JobStatus, type Job } from '../../settlement';
import { JobFailure } from '../failure';
import { checkInputs } from '../inputs';
import { jobJson } from '../jobs';
import type { FederatedContext } from './round';
import type { FederatedSession } from './session';

/** Less time than this before the deadline, and a node does not start a training it could not finish. */
const MIN_TIME_LEFT_S = 120;

export interface JoinRequest {
  jobId: bigint;
  plan: unknown;
  algorithm: { name: string; content: Uint8Array };
  resultKey: string;
}

const refuse = (status: number, code: string, message: string, hint?: string) => new ProviderRequestError(status, code, message, hint);

/** The job `jobId` as its JobRequested event holds it, or undefined. */
async function requested(ctx: FederatedContext, jobId: bigint): Promise<Job | undefined> {
  const { market } = ctx;
  const events = await market.publicClient.getContractEvents({ ...contractsOf(market.deployments).computeMarket, eventName: 'JobRequested', args: { jobId }, fromBlock: BigInt(market.deployments.startBlock) });
  return events[0]?.args.job;
}

/** The run `jobId` belongs to, from the chain: its first job and every job of it, in order. */
async function readRun(ctx: FederatedContext, jobId: bigint): Promise<{ firstJobId: bigint; jobs: Job[] }> {
  const [firstJobId, count] = await ctx.market.publicClient.readContract({ ...contractsOf(ctx.market.deployments).computeMarket, functionName: 'jobGroup', args: [jobId] });
  const jobs = await Promise.all(Array.from({ length: Number(count) }, (_, i) => requested(ctx, firstJobId + BigInt(i))));
  return { firstJobId, jobs: jobs.map((job) => job!) };
}

/** The plan's participants are the run's jobs, in order: its datasets and providers as the chain linked them. */
function sameParticipants(plan: FederatedPlan, jobs: readonly Job[]): boolean {
  return plan.participants.length === jobs.length && plan.participants.every((p, i) => BigInt(p.datasetId) === jobs[i]!.datasetId && BigInt(p.providerId) === jobs[i]!.providerId);
}

/** Checks the join and accepts the job on-chain; returns the new session. The caller holds the job's lock. */
export async function joinSession(ctx: FederatedContext, buyer: Address, request: JoinRequest): Promise<FederatedSession> {
  const { market } = ctx;
  const { computeMarket } = contractsOf(market.deployments);
  const read = market.publicClient;
  const { jobId } = request;
  const job = await requested(ctx, jobId);
  if (!job) throw refuse(404, 'job-not-paid', `job ${jobId} was never requested and paid on-chain`, 'request the run first (ComputeMarket.requestJob with the plan hash)');
  if (job.providerId !== ctx.providerId) throw refuse(403, 'wrong-provider', `job ${jobId} is assigned to provider ${job.providerId}, not to this node (provider ${ctx.providerId})`, `join it at provider ${job.providerId}'s endpoint`);
  if (buyer.toLowerCase() !== job.buyer.toLowerCase()) throw refuse(403, 'not-buyer', `job ${jobId} was paid by ${job.buyer}, not by ${buyer}`);
  if (ctx.sessions.get(jobId.toString())) throw refuse(409, 'already-joined', `job ${jobId} was already joined`);
  const status = await read.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
  if (status !== JobStatus.Requested) throw refuse(409, 'job-closed', `job ${jobId} is no longer open on-chain (status ${status})`);

  const { firstJobId, jobs } = await readRun(ctx, jobId);
  if (jobs.length < 2) throw refuse(409, 'not-federated', `job ${jobId} was requested alone: a federated run links jobs on 2 to 8 providers`, 'submit it to POST /api/v1/jobs instead');
  if (new Set(jobs.map((j) => j.providerId)).size !== jobs.length) throw refuse(409, 'run-shares-provider', `the run of job ${jobId} has several jobs on one provider: a federated run takes one dataset per provider`);
  let plan: FederatedPlan;
  try {
    plan = parsePlan(request.plan);
  } catch (error) {
    if (error instanceof FederatedPlanError) throw refuse(400, 'malformed-plan', error.message, error.hint);
    throw error;
  }
  if (planHash(plan) !== job.algorithmHash) throw refuse(409, 'plan-mismatch', `the plan hashes to ${planHash(plan)}, not to the ${job.algorithmHash} job ${jobId} committed to on-chain`, 'send exactly the plan whose hash was paid for');
  if (!sameParticipants(plan, jobs)) throw refuse(409, 'participants-mismatch', `the plan's participants are not the run's datasets and providers (${jobs.map((j) => `${j.datasetId}@${j.providerId}`).join(', ')})`);
  const content = request.algorithm.content;
  if (request.algorithm.name !== plan.algorithm.name || algorithmHash(content) !== plan.algorithm.sha256) {
    throw refuse(409, 'algorithm-mismatch', `the local step is not the plan's ${plan.algorithm.name} with SHA-256 ${plan.algorithm.sha256}`, 'send exactly the file the plan names');
  }
  const runtime = runtimeOf(plan.algorithm.name)!;
  if (runtime === 'python' && !existsSync('/usr/bin/python3')) throw refuse(503, 'runtime-unsupported', '/usr/bin/python3 is not installed on this node');
  if (!job.aiTraining) throw refuse(403, 'compute-not-allowed', `job ${jobId} does not declare AI training, which a federated training is`, 'request the run with aiTraining set');

  const dataset = await market.getDataset(job.datasetId);
  try {
    // The dataset's policy as for any job, on the local step: what the owner approves is the code that reads the data.
    await checkInputs(ctx, [{ jobId, job: { ...job, algorithmHash: plan.algorithm.sha256 }, dataset, file: '' }], {});
  } catch (error) {
    if (error instanceof JobFailure) throw refuse(403, error.reason, error.message, error.reason === 'algorithm-not-approved' ? 'ask the owner to approve the local step, then join again: the job stays open until its deadline' : undefined);
    throw error;
  }
  const budget = await read.readContract({ ...computeMarket, functionName: 'releaseBudget', args: [job.datasetId] });
  if (requiresNoise(budget)) {
    if (plan.noiseMultiplier === 0) throw refuse(403, 'noise-required', `dataset ${job.datasetId}'s owner set a privacy budget: the plan must add noise (noiseMultiplier above 0)`);
    const epsilon = epsilonMillionths(plan);
    if (epsilon > job.epsilon) throw refuse(403, 'epsilon-over-reservation', `the plan's ${plan.rounds} rounds spend ε ${epsilon} millionths of dataset ${job.datasetId}, over the ${job.epsilon} job ${jobId} reserved`, 'reserve more ε, or plan fewer rounds or more noise');
  }
  const bytes = BigInt(plan.rounds * vectorLength(plan) * 8);
  if (bytes > job.releaseBytes) throw refuse(403, 'byte-budget', `the plan's ${plan.rounds} updates take ${bytes} bytes, over the ${job.releaseBytes} job ${jobId} reserved`);
  if (Number(job.deadline) - Date.now() / 1000 < MIN_TIME_LEFT_S) throw refuse(409, 'deadline', `job ${jobId}'s deadline is too close to train`);
  const ownKey = await read.readContract({ ...computeMarket, functionName: 'agreementKeyOf', args: [ctx.providerId] });
  if (ownKey.toLowerCase() !== ctx.agreementKey.publicKey.toLowerCase()) throw refuse(503, 'agreement-key-changed', `provider ${ctx.providerId}'s agreement key on-chain is not this node's`, 'restart the node: it publishes its key at start-up');

  try {
    await market.send(`accept federated job ${jobId}`, { ...computeMarket, functionName: 'acceptJob', args: [jobId, job] });
  } catch (error) {
    // The buyer may have cancelled between our read and our transaction.
    const now = await read.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
    if (now !== JobStatus.Requested) throw refuse(409, 'job-closed', `job ${jobId} is no longer open on-chain (status ${now})`);
    throw error;
  }
  const file = path.join(ctx.algorithmsDir, `${jobId}-${plan.algorithm.name}`);
  writeFileSync(file, content, { mode: 0o600 });
  return ctx.sessions.put({
    jobId: jobId.toString(),
    firstJobId: firstJobId.toString(),
    datasetId: job.datasetId.toString(),
    datasetCid: dataset.document.content.cid,
    providerId: ctx.providerId.toString(),
    buyer: job.buyer,
    job: jobJson(job),
    plan,
    algorithm: { name: plan.algorithm.name, hash: plan.algorithm.sha256, runtime, file, bytes: content.length },
    resultKey: request.resultKey,
    status: 'open',
    rounds: [],
    released: 0,
    epsilonSpent: '0',
    bytesReleased: 0,
    wallMs: 0,
    joinedAt: new Date().toISOString(),
  });
}
