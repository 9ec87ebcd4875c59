/**
 * One job, or one run of linked jobs over several datasets, end to end on the provider node: check the chain and
 * each dataset's compute policy, accept every job, obtain each data key (the node passes `canDecrypt` only while
 * its job on that dataset is active), decrypt into a private size-limited workspace (inputs.ts), run the algorithm
 * once in the sandbox, guard the outputs against every dataset, encrypt what is released to the buyer, sign one
 * receipt and settle every job on-chain with it. The workspace is wiped whatever the outcome.
 *
 * Settlement rules (ComputeMarket.submitResult's `delivered`, the same on every job of a run):
 * - results released (finished, or an algorithm failure whose log holds something and passed the guard): each
 *   owner is paid its data fee and the provider the minutes used;
 * - nothing released (a failure before the algorithm ran — on any dataset —, a guard block, or a failure with an
 *   empty log): every data fee goes back to the buyer; the provider is paid the minutes the algorithm actually ran
 *   (0 if it never started);
 * - never settled by the deadline: the buyer takes each job's whole escrow back with `refund`.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hex, LocalAccount } from 'viem';
import type { KeyNetwork } from '../../access';
import { contractsOf } from '../../contracts';
import type { Market } from '../../market';
import type { GuardVerdict } from '../guard';
import { FAILURE_REASONS, type FailureReason, type JobPhase } from '../api';
import { jobStruct, runJobs, type JobRecord, type JobStore, type PendingSettlement } from './jobs';
import { settledResultHash, signReceipt, type Receipt } from '../receipt';
import { signJobResult, JobStatus } from '../settlement';
import { filesHash, storeResults } from '../results';
import { EMPTY_OUTPUTS_ROOT } from '../../lineage/outputs';
import { createWorkspace } from '../../os/workspace';
import { SANDBOX_PATHS, type ComputeEngine, type SandboxResult } from '../engine';
import { JobFailure } from './failure';
import { acceptInputs, checkInputs, guardInputs, guardPolicyOf, isOpen, provisionInputs, readInputs, runGuardPolicy, runStatuses, type RunInput } from './inputs';
import { releaseTemplateRun } from './templates';

export const NODE_SOFTWARE = 'datagora-provider/0.1.0';
/** Time kept after the algorithm's wall limit to guard, publish and settle before the deadline, besides the time
 * to guard, encrypt and store the largest output the policy allows at {PUBLISH_BYTES_PER_S}. */
const PUBLISH_MARGIN_S = 60;
/** A slow node's guard-encrypt-store throughput, for the margin: well under the ~100 MB/s measured. */
const PUBLISH_BYTES_PER_S = 8 << 20;

/** Seconds kept after the run for publishing and settling outputs of at most `maxOutputBytes`. */
export function publishMargin(maxOutputBytes: number): number {
  return PUBLISH_MARGIN_S + Math.ceil(maxOutputBytes / PUBLISH_BYTES_PER_S);
}
const LOG_LIMIT = 8 << 20;

export interface PipelineContext {
  store: JobStore;
  /** The market as the node key (reads, decryption sign-in, settlement). */
  market: Market;
  keys: KeyNetwork;
  engine: ComputeEngine;
  node: LocalAccount;
  workDir: string;
  jobMemoryMb: number;
  jobDiskMb: number;
  /** What the environment offers, for the receipt and the sandbox's CPU limit. */
  environment(index: number): { cpus: number; hardware: string; gpu?: { devices: string[]; libraryDirs: string[] } };
  log(line: string): void;
}

const RUNTIMES = { python: '/usr/bin/python3', node: process.execPath } as const;

function runOutcomeReason(result: SandboxResult): FailureReason | undefined {
  if (result.outcome === 'timeout') return 'timeout';
  if (result.outcome === 'memory') return 'memory';
  if (result.outcome === 'output-limit') return 'output-limit';
  if (result.outcome !== 'exited' || result.exitCode !== 0) return 'algorithm-error';
  return undefined;
}

/**
 * The block a verdict calls for, counting findings past MAX_FINDINGS too: a leak first, then the reason that
 * tells the buyer most plainly what to change; size, links and special files last.
 */
function guardReason(kinds: GuardVerdict['kinds']): FailureReason {
  if (kinds['verbatim-leak']) return 'blocked-leak';
  if (kinds['small-group']) return 'blocked-small-group';
  if (kinds.undecodable) return 'blocked-undecodable';
  if (kinds.layout || kinds['too-many-files']) return 'blocked-layout';
  return 'blocked-output';
}

/**
 * The detail a failure shows: its own words before the algorithm ran; after, a node error's message may quote
 * what the algorithm wrote (a file name in an I/O error, a snippet in a parse error), so it goes to the node's
 * log only.
 */
function failureOf(ctx: PipelineContext, id: string, error: unknown, algorithmStarted: boolean): JobFailure {
  if (error instanceof JobFailure) return error;
  ctx.log(`job ${id}: ${(error as Error).stack ?? error}`);
  return algorithmStarted ? new JobFailure('node-error') : new JobFailure('node-error', (error as Error).message);
}

/**
 * Whether the run may start now: `wait` while the owner of an `approved`-only dataset of it has not approved the
 * algorithm and there is still time to run it after approval.
 */
export async function admission(ctx: PipelineContext, record: JobRecord): Promise<'run' | 'wait'> {
  for (const { datasetId, job } of runJobs(record)) {
    const dataset = await ctx.market.getDataset(datasetId);
    if (dataset.document.compute?.algorithms !== 'approved') continue;
    const approved = await ctx.market.publicClient.readContract({ ...contractsOf(ctx.market.deployments).computeMarket, functionName: 'isAlgorithmApproved', args: [datasetId, job.algorithmHash] });
    if (approved) continue;
    const margin = publishMargin(guardPolicyOf(dataset.document, dataset.terms.computeOnly, ctx.jobDiskMb * 1024 * 1024).maxOutputBytes);
    const latestStart = Number(job.deadline) - job.maxMinutes * 60 - margin;
    // Past the latest start the run starts, and is refused as not approved, so that every fee goes back in time.
    return Date.now() / 1000 < latestStart ? 'wait' : 'run';
  }
  return 'run';
}

/** Runs `record` to a final status. Never throws: every failure ends as a failed (and settled) job. */
export async function runJob(ctx: PipelineContext, record: JobRecord): Promise<JobRecord> {
  const { store } = ctx;
  const id = record.jobId;
  const started = new Date();
  store.update(id, { attempts: record.attempts + 1, startedAt: started.toISOString() });
  const workspace = await createWorkspace(ctx.workDir, ctx.jobDiskMb * 1024 * 1024);
  try {
    return await execute(ctx, record, workspace.dir, workspace.kind, started);
  } finally {
    await workspace.wipe();
  }
}

async function execute(ctx: PipelineContext, record: JobRecord, workspaceDir: string, workspaceKind: string, started: Date): Promise<JobRecord> {
  const { store } = ctx;
  const id = record.jobId;
  const job = jobStruct(record.job);
  const several = (record.linked?.length ?? 0) > 0;
  const set = (status: JobPhase, detail?: string, patch: Partial<JobRecord> = {}) => store.update(id, { status, ...patch }, detail);
  const cancelled = () => set('cancelled', `the buyer cancelled the job${several ? 's' : ''} on-chain`, { finishedAt: new Date().toISOString() });
  let run: SandboxResult | undefined;
  let minutesUsed = 0;
  let inputs: RunInput[] = [];
  let released: { outputs?: string; logs?: string } = {};
  let failure: JobFailure | undefined;
  let algorithmStarted = false;
  try {
    set('provisioning', several ? 'checking the jobs on-chain and each dataset’s compute policy' : 'checking the job on-chain and the dataset’s compute policy');
    const statuses = await runStatuses(ctx, record);
    if (statuses.every((status) => status === JobStatus.Cancelled)) return cancelled();
    const closed = statuses.findIndex((status) => !isOpen(status));
    if (closed >= 0) throw new JobFailure('node-error', several ? `job ${runJobs(record)[closed]!.jobId} of the run is closed on-chain (status ${statuses[closed]})` : `the job is closed on-chain (status ${statuses[closed]})`);
    inputs = await readInputs(ctx, record, workspaceDir);
    const templateRun = await checkInputs(ctx, inputs, record.params);
    const runtime = RUNTIMES[record.algorithm.runtime];
    if (!existsSync(runtime)) throw new JobFailure('runtime-unsupported', `${runtime} is not installed on this node`);
    const policy = runGuardPolicy(inputs, ctx.jobDiskMb * 1024 * 1024);
    const wallSeconds = Math.min(job.maxMinutes * 60, Number(job.deadline) - Math.ceil(Date.now() / 1000) - publishMargin(policy.maxOutputBytes));
    if (wallSeconds < 10) throw new JobFailure('deadline');
    // The buyer may have cancelled between our read and our transaction.
    const withdrawn = await acceptInputs(ctx, inputs, statuses);
    if (withdrawn !== undefined && !several) return cancelled();
    if (withdrawn !== undefined) throw new JobFailure('node-error', `the buyer cancelled job ${withdrawn} of the run while the node accepted it`);

    const dir = (name: string) => path.join(workspaceDir, name);
    const [inputsDir, algorithmDir, outputs, logs, ddos] = ['inputs', 'transformations', 'outputs', 'logs', 'ddos'].map(dir) as [string, string, string, string, string];
    for (const folder of [inputsDir, algorithmDir, outputs, logs, ddos]) await mkdir(folder, { recursive: true });
    await writeFile(path.join(inputsDir, 'algoCustomData.json'), JSON.stringify(templateRun ? templateRun.params : (record.params ?? {})));
    if (templateRun && record.model) await copyFile(record.model.file, path.join(inputsDir, 'model.pkl')).then(() => chmod(path.join(inputsDir, 'model.pkl'), 0o644));
    const algorithm = path.join(algorithmDir, record.algorithm.name);
    await copyFile(record.algorithm.file, algorithm);
    // The node keeps submissions private (0600); the sandbox user must be able to read its copy.
    await chmod(algorithm, 0o644);
    await provisionInputs(ctx, inputs, ddos, (detail) => set('provisioning', `${detail} into the job’s private workspace (${workspaceKind})`));

    const environment = ctx.environment(job.environment);
    set('running', `running ${record.algorithm.name} (${record.algorithm.runtime}) for at most ${Math.floor(wallSeconds / 60)} min ${wallSeconds % 60} s`);
    algorithmStarted = true;
    run = await ctx.engine.run({
      command: [runtime, `${SANDBOX_PATHS.transformations}/${record.algorithm.name}`],
      env: { DIDS: JSON.stringify(inputs.map((input) => input.job.datasetId.toString())), TRANSFORMATION_DID: job.algorithmHash, ALGO: `${SANDBOX_PATHS.transformations}/${record.algorithm.name}` },
      inputs: inputsDir,
      ddos,
      algorithm,
      outputs,
      logs,
      limits: { wallSeconds, memoryBytes: ctx.jobMemoryMb * 1024 * 1024, cpus: environment.cpus, processes: 256, outputBytes: policy.maxOutputBytes, logBytes: Math.min(LOG_LIMIT, policy.maxOutputBytes) },
      ...(environment.gpu ? { gpu: environment.gpu } : {}),
    });
    minutesUsed = Math.min(job.maxMinutes, Math.max(1, Math.ceil(run.wallMs / 60_000)));
    const runFailure = runOutcomeReason(run);
    store.update(id, { run: { outcome: run.outcome, exitCode: run.exitCode, signal: run.signal, wallMs: run.wallMs, enforced: run.enforced }, minutesUsed });

    set('filtering', templateRun ? 'releasing the template’s result' : runFailure ? 'the algorithm failed: only its logs may be released' : 'checking outputs and logs for raw data');
    // A failed algorithm's outputs are not released (else failing on purpose would be a way to skip the data fee).
    // A template releases only its released result, never logs: a model under `evaluate` is the buyer's code.
    const nothing = dir('none');
    const candidate = templateRun ? { outputs: dir('released'), logs: nothing } : runFailure ? { outputs: nothing, logs } : { outputs, logs };
    for (const folder of [nothing, candidate.outputs]) await mkdir(folder, { recursive: true });
    if (templateRun && !runFailure) await releaseTemplateRun(templateRun, outputs, candidate.outputs);
    // A template's released result has a fixed shape built from aggregates: the guard checks only its size there.
    const verdict = await guardInputs(candidate, inputs, templateRun ? { maxOutputBytes: policy.maxOutputBytes, leakDetection: false } : policy);
    if (!verdict.released) {
      store.update(id, { findings: verdict.findings, findingKinds: verdict.kinds, omittedFindings: verdict.omittedFindings });
      const total = verdict.findings.length + verdict.omittedFindings;
      throw new JobFailure(guardReason(verdict.kinds), `${total} finding${total === 1 ? '' : 's'}; nothing was released`);
    }
    released = runFailure ? (templateRun || verdict.scannedBytes === 0 ? {} : { logs }) : candidate;
    // The exit code and signal are the algorithm's to choose: the report has them, the public detail does not.
    if (runFailure) failure = new JobFailure(runFailure);
  } catch (error) {
    failure = failureOf(ctx, id, error, algorithmStarted);
    released = {};
  }

  try {
    if (store.get(id)?.status === 'cancelled') return store.get(id)!;
    const cids = new Map(inputs.map((input) => [input.jobId, input.dataset.document.content.cid]));
    return await publish(ctx, record, { released, failure, run, minutesUsed: run ? minutesUsed : 0, cids, started });
  } catch (error) {
    // The message may name released files (storing them failed): the node's log has it, the job's detail does not.
    ctx.log(`job ${id}: settlement failed: ${(error as Error).message}`);
    return set('failed', 'could not settle on-chain; the buyer can refund after the deadline', { reason: 'node-error', finishedAt: new Date().toISOString(), pending: undefined });
  }
}

/**
 * Encrypts what is released, signs the run's one receipt and settles every job of the run still open with it (the
 * same result hash, minutes and released bytes on each; only the first carries a price per minute).
 */
async function publish(
  ctx: PipelineContext,
  record: JobRecord,
  outcome: { released: { outputs?: string; logs?: string }; failure?: JobFailure; run?: SandboxResult; minutesUsed: number; cids: ReadonlyMap<bigint, string>; started: Date },
): Promise<JobRecord> {
  const { store, market } = ctx;
  const id = record.jobId;
  const jobs = runJobs(record);
  const [first] = jobs as [(typeof jobs)[number]];
  const delivered = outcome.released.outputs !== undefined || outcome.released.logs !== undefined;
  store.update(id, { status: 'publishing' }, delivered ? 'encrypting results to the buyer and settling' : `settling: nothing released, the data fee${jobs.length > 1 ? 's go' : ' goes'} back to the buyer`);
  const stored = delivered ? await storeResults(market.store, first.jobId, outcome.released, record.resultKey) : undefined;
  const empty = filesHash([]);
  const environment = ctx.environment(first.job.environment);
  const cid = (jobId: bigint) => outcome.cids.get(jobId) ?? 'unknown';
  const receipt: Receipt = {
    jobId: id,
    datasetId: first.datasetId.toString(),
    datasetCid: cid(first.jobId),
    algorithmHash: first.job.algorithmHash,
    outputHash: stored?.outputHash ?? empty,
    outputsRoot: stored?.outputsRoot ?? EMPTY_OUTPUTS_ROOT,
    logsHash: stored?.logsHash ?? empty,
    resultsCid: stored?.cid ?? '',
    status: outcome.failure ? 'failed' : 'finished',
    reason: outcome.failure?.reason ?? '',
    // Where nothing was released the exit code says only whether the run succeeded: its value, like the run time,
    // is the algorithm's to choose, and would otherwise carry bits of the data outside the byte budget.
    exitCode: outcome.run ? (delivered ? (outcome.run.exitCode ?? -1) : outcome.run.exitCode === 0 ? 0 : 1) : -1,
    minutesUsed: outcome.minutesUsed,
    delivered,
    environment: first.job.environment,
    hardware: environment.hardware,
    nodeVersion: NODE_SOFTWARE,
    startedAt: Math.floor(outcome.started.getTime() / 1000).toString(),
    finishedAt: Math.floor(Date.now() / 1000).toString(),
    ...(jobs.length > 1 ? { datasets: jobs.map((entry) => ({ jobId: entry.jobId.toString(), datasetId: entry.datasetId.toString(), datasetCid: cid(entry.jobId) })) } : {}),
  };
  const { chainId } = market.deployments;
  const computeMarket = contractsOf(market.deployments).computeMarket;
  const signed = await signReceipt(ctx.node, receipt, chainId, computeMarket.address);
  // What stays counted against the buyer's byte budget on every dataset: every released byte, outputs and logs
  // alike. The guard held them to the smallest of the jobs' reservations.
  const releasedBytes = [...(stored?.outputs ?? []), ...(stored?.logs ?? [])].reduce((sum, file) => sum + file.size, 0);
  const pending: PendingSettlement = {
    receipt: signed,
    resultHash: settledResultHash(receipt, chainId, computeMarket.address),
    releasedBytes: releasedBytes.toString(),
    ...(stored ? { results: { cid: stored.cid, wrappedKey: stored.wrappedKey } } : {}),
    ...(outcome.failure ? { failure: { reason: outcome.failure.reason, ...(outcome.failure.detail ? { detail: outcome.failure.detail } : {}) } } : {}),
  };
  store.update(id, { pending });
  return settleRun(ctx, id);
}

/**
 * Settles every job of run `id` still open with the receipt its record keeps pending (the same result hash,
 * minutes and released bytes on each; only the first carries a price per minute), then serves it. Called once the
 * receipt is signed, and again by a node restarted between two settlements.
 */
export async function settleRun(ctx: PipelineContext, id: string): Promise<JobRecord> {
  const { store, market } = ctx;
  const record = store.get(id)!;
  const { receipt, resultHash, releasedBytes, results, failure } = record.pending!;
  const { delivered, minutesUsed } = receipt.receipt;
  const { chainId } = market.deployments;
  const computeMarket = contractsOf(market.deployments).computeMarket;
  const jobs = runJobs(record);
  const statuses = await runStatuses(ctx, record);
  const settlements: ({ txHash: Hex; delivered: boolean } | undefined)[] = [];
  for (const [i, { jobId, job }] of jobs.entries()) {
    // A job the buyer cancelled is closed: the others of its run still settle, so their fees go back at once.
    if (!isOpen(statuses[i]!)) {
      settlements.push(undefined);
      continue;
    }
    const signature = await signJobResult(ctx.node, { chainId, computeMarket: computeMarket.address }, { jobId, resultHash, minutesUsed, delivered, releasedBytes: BigInt(releasedBytes) });
    const { hash } = await market.send(`settle job ${jobId}`, { ...computeMarket, functionName: 'submitResult', args: [jobId, job, resultHash, minutesUsed, delivered, BigInt(releasedBytes), signature] });
    settlements.push({ txHash: hash, delivered });
  }
  const finishedAt = new Date().toISOString();
  // A job its buyer took back after the deadline (the node was down past it) paid nothing for its data: the run's
  // results are not handed out.
  if (statuses.includes(JobStatus.Refunded)) {
    return store.update(id, { status: 'failed', reason: 'node-error', finishedAt, pending: undefined }, 'a job of the run was refunded after its deadline: its results are withheld');
  }
  // Only now, with every settlement mined (sendWrite throws for a reverted one), do the receipt and the buyer's
  // wrapped results key reach the record the API serves: a run that fails to settle never hands out results the
  // buyer could keep while refunding the escrow after the deadline.
  const [settlement, ...later] = settlements;
  const linked = record.linked?.map((entry, i) => ({ ...entry, ...(later[i] ? { settlement: later[i] } : {}) }));
  const released = { receipt, finishedAt, pending: undefined, ...(settlement ? { settlement } : {}), ...(linked ? { linked } : {}), ...(results ? { results } : {}) };
  if (failure) return store.update(id, { status: 'failed', reason: failure.reason, ...released }, failure.detail ?? FAILURE_REASONS[failure.reason]);
  return store.update(id, { status: 'finished', ...released }, `settled in ${settlements.flatMap((s) => (s ? [s.txHash] : [])).join(', ')}`);
}
