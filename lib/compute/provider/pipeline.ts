/**
 * One job, end to end, on the provider node: check the chain and the dataset's compute policy, accept the job,
 * obtain the data key (the node passes `canDecrypt` only while its job is active), decrypt into a private
 * size-limited workspace, run the algorithm in the sandbox, guard the outputs, encrypt what is released to the
 * buyer, sign the receipt and settle on-chain. The workspace is wiped whatever the outcome.
 *
 * Settlement rules (ComputeMarket.submitResult's `delivered`):
 * - results released (finished, or an algorithm failure whose log holds something and passed the guard): the owner
 *   is paid the data fee and the provider the minutes used;
 * - nothing released (a failure before the algorithm ran, a guard block, or a failure with an empty log): the data
 *   fee goes back to the buyer; the provider is paid the minutes the algorithm actually ran (0 if it never started);
 * - never settled by the deadline: the buyer takes the whole escrow back with `refund`.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LocalAccount } from 'viem';
import { parseEnvelope, type KeyNetwork } from '../../access';
import { contractsOf } from '../../contracts';
import { createSha256, decryptStream, toHex } from '../../crypto';
import type { DatasetDocument } from '../../metadata';
import type { DatasetDetails, Market } from '../../market';
import { DEFAULT_GUARD_POLICY, inspectOutputs, LeakIndex, type GuardPolicy, type GuardVerdict } from '../guard';
import { FAILURE_REASONS, type FailureReason, type JobPhase } from '../api';
import type { JobRecord, JobStore } from './jobs';
import { settledResultHash, signReceipt, type Receipt } from '../receipt';
import { signJobResult, JobStatus, type Job } from '../settlement';
import { filesHash, storeResults } from '../results';
import { EMPTY_OUTPUTS_ROOT } from '../../lineage/outputs';
import { createWorkspace } from '../../os/workspace';
import { SANDBOX_PATHS, type ComputeEngine, type SandboxResult } from '../engine';
import { datasetDdo } from './ddo';
import { JobFailure } from './failure';
import { checkTemplateJob, releaseTemplateRun } from './templates';

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

/** The Job struct of a record, with its integers back as bigints. */
export function jobStruct(record: JobRecord): Job {
  const j = record.job;
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

/**
 * The guard policy a dataset's document and terms call for; `releaseBytes`, a job's reservation from the dataset's
 * byte budget, caps outputs plus logs further.
 */
export function guardPolicyOf(document: DatasetDocument, computeOnly: boolean, diskBytes: number, releaseBytes?: bigint): GuardPolicy {
  const declared = document.compute?.outputGuard;
  const reserved = releaseBytes !== undefined && releaseBytes < BigInt(diskBytes) ? Number(releaseBytes) : diskBytes;
  const maxOutputBytes = Math.min(declared?.maxOutputBytes ?? DEFAULT_GUARD_POLICY.maxOutputBytes, diskBytes, reserved);
  // Leak detection protects data that is never released; a downloadable dataset's buyer could simply buy it.
  if (!computeOnly) return { maxOutputBytes, leakDetection: false };
  return {
    maxOutputBytes,
    leakDetection: declared?.leakDetection ?? true,
    ...(declared?.minGroupSize ? { minGroupSize: declared.minGroupSize } : {}),
  };
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
 * Whether the job may run now: `wait` while an `approved`-only dataset's owner has not approved the algorithm
 * and there is still time to run it after approval.
 */
export async function admission(ctx: PipelineContext, record: JobRecord): Promise<'run' | 'wait'> {
  const job = jobStruct(record);
  const dataset = await ctx.market.getDataset(job.datasetId);
  if (dataset.document.compute?.algorithms !== 'approved') return 'run';
  const margin = publishMargin(guardPolicyOf(dataset.document, dataset.terms.computeOnly, ctx.jobDiskMb * 1024 * 1024).maxOutputBytes);
  const approved = await ctx.market.publicClient.readContract({ ...contractsOf(ctx.market.deployments).computeMarket, functionName: 'isAlgorithmApproved', args: [job.datasetId, job.algorithmHash] });
  if (approved) return 'run';
  const latestStart = Number(job.deadline) - job.maxMinutes * 60 - margin;
  return Date.now() / 1000 < latestStart ? 'wait' : 'run';
}

/** The data key of `dataset`, from the key network as the node key: JobFailure('key-denied') when it is refused. */
export async function dataKeyOf(ctx: Pick<PipelineContext, 'keys' | 'node'>, dataset: DatasetDetails): Promise<Uint8Array> {
  try {
    return await ctx.keys.decryptKey(parseEnvelope(dataset.document.key, ctx.keys.kind), ctx.node);
  } catch (error) {
    throw new JobFailure('key-denied', (error as Error).message);
  }
}

/**
 * Decrypts `dataset`'s content from IPFS into `file` (readable by the sandbox user) and checks it against the
 * plaintext hash its owner signed: JobFailure('data-unavailable') or ('data-corrupt') where it cannot.
 */
export async function decryptInto(market: Market, dataset: DatasetDetails, dataKey: Uint8Array, file: string): Promise<void> {
  const hash = createSha256();
  try {
    await pipeline(
      (async function* () {
        for await (const chunk of decryptStream(dataKey, market.store.cat(dataset.document.content.cid))) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
      createWriteStream(file, { mode: 0o644 }),
    );
  } catch (error) {
    throw new JobFailure('data-unavailable', (error as Error).message);
  }
  if (toHex(hash.digest()) !== dataset.document.plaintextSha256) throw new JobFailure('data-corrupt');
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
  const job = jobStruct(record);
  const jobId = BigInt(id);
  const set = (status: JobPhase, detail?: string, patch: Partial<JobRecord> = {}) => store.update(id, { status, ...patch }, detail);
  let run: SandboxResult | undefined;
  let minutesUsed = 0;
  let datasetCid = '';
  let released: { outputs?: string; logs?: string } = {};
  let failure: JobFailure | undefined;
  let algorithmStarted = false;
  try {
    set('provisioning', 'checking the job on-chain and the dataset’s compute policy');
    const market = ctx.market;
    const { computeMarket } = contractsOf(market.deployments);
    const status = await market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
    if (status === JobStatus.Cancelled) return set('cancelled', 'the buyer cancelled the job on-chain', { finishedAt: new Date().toISOString() });
    if (status !== JobStatus.Requested && status !== JobStatus.Accepted) throw new JobFailure('node-error', `the job is closed on-chain (status ${status})`);
    const dataset = await market.getDataset(job.datasetId);
    datasetCid = dataset.document.content.cid;
    if (!dataset.terms.computeOnly && dataset.terms.computePrice === 0n) throw new JobFailure('compute-not-allowed');
    if (job.aiTraining && !dataset.terms.aiTrainingAllowed) throw new JobFailure('compute-not-allowed', 'the job declares AI training, which the licence forbids');
    if (dataset.document.compute?.algorithms === 'approved') {
      const approved = await market.publicClient.readContract({ ...computeMarket, functionName: 'isAlgorithmApproved', args: [job.datasetId, job.algorithmHash] });
      if (!approved) throw new JobFailure('algorithm-not-approved');
    }
    const templateRun = await checkTemplateJob(market, job, dataset.document, record.params);
    // Settlement could count no released byte against it: the node would work unpaid, so it runs nothing.
    if (job.releaseBytes === 0n) throw new JobFailure('compute-not-allowed', 'the job reserved no bytes of results to release');
    const runtime = RUNTIMES[record.algorithm.runtime];
    if (!existsSync(runtime)) throw new JobFailure('runtime-unsupported', `${runtime} is not installed on this node`);
    const policy = guardPolicyOf(dataset.document, dataset.terms.computeOnly, ctx.jobDiskMb * 1024 * 1024, job.releaseBytes);
    const wallSeconds = Math.min(job.maxMinutes * 60, Number(job.deadline) - Math.ceil(Date.now() / 1000) - publishMargin(policy.maxOutputBytes));
    if (wallSeconds < 10) throw new JobFailure('deadline');
    if (status === JobStatus.Requested) {
      try {
        await market.send(`accept job ${id}`, { ...computeMarket, functionName: 'acceptJob', args: [jobId, job] });
      } catch (error) {
        // The buyer may have cancelled between our read and our transaction.
        const now = await market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
        if (now === JobStatus.Cancelled) return set('cancelled', 'the buyer cancelled the job on-chain', { finishedAt: new Date().toISOString() });
        throw error;
      }
    }

    const inputs = path.join(workspaceDir, 'inputs');
    const dataFile = path.join(inputs, job.datasetId.toString(), '0');
    const algorithmDir = path.join(workspaceDir, 'transformations');
    const outputs = path.join(workspaceDir, 'outputs');
    const logs = path.join(workspaceDir, 'logs');
    const ddos = path.join(workspaceDir, 'ddos');
    for (const dir of [path.dirname(dataFile), algorithmDir, outputs, logs, ddos]) await mkdir(dir, { recursive: true });
    await writeFile(path.join(inputs, 'algoCustomData.json'), JSON.stringify(templateRun ? templateRun.params : (record.params ?? {})));
    if (templateRun && record.model) await copyFile(record.model.file, path.join(inputs, 'model.pkl')).then(() => chmod(path.join(inputs, 'model.pkl'), 0o644));
    await writeFile(path.join(ddos, job.datasetId.toString()), JSON.stringify(datasetDdo(dataset, market.deployments)));
    const algorithm = path.join(algorithmDir, record.algorithm.name);
    await copyFile(record.algorithm.file, algorithm);
    // The node keeps submissions private (0600); the sandbox user must be able to read its copy.
    await chmod(algorithm, 0o644);

    const dataKey = await dataKeyOf(ctx, dataset);
    set('provisioning', `decrypting ${dataset.document.size} bytes into the job’s private workspace (${workspaceKind})`);
    await decryptInto(market, dataset, dataKey, dataFile);

    const environment = ctx.environment(job.environment);
    set('running', `running ${record.algorithm.name} (${record.algorithm.runtime}) for at most ${Math.floor(wallSeconds / 60)} min ${wallSeconds % 60} s`);
    algorithmStarted = true;
    run = await ctx.engine.run({
      command: [runtime, `${SANDBOX_PATHS.transformations}/${record.algorithm.name}`],
      env: { DIDS: JSON.stringify([job.datasetId.toString()]), TRANSFORMATION_DID: job.algorithmHash, ALGO: `${SANDBOX_PATHS.transformations}/${record.algorithm.name}` },
      inputs,
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
    const nothing = path.join(workspaceDir, 'none');
    const candidate = templateRun ? { outputs: path.join(workspaceDir, 'released'), logs: nothing } : runFailure ? { outputs: nothing, logs } : { outputs, logs };
    for (const dir of [nothing, candidate.outputs]) await mkdir(dir, { recursive: true });
    if (templateRun && !runFailure) await releaseTemplateRun(templateRun, outputs, candidate.outputs);
    // A template's released result has a fixed shape built from aggregates: the guard checks only its size there.
    const guarded = templateRun ? { maxOutputBytes: policy.maxOutputBytes, leakDetection: false } : policy;
    const index = guarded.leakDetection || guarded.minGroupSize ? await LeakIndex.build(dataFile, { rowsOnly: !guarded.leakDetection }) : undefined;
    const verdict = await inspectOutputs(candidate, index, guarded);
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
    return await publish(ctx, record, { released, failure, run, minutesUsed: run ? minutesUsed : 0, datasetCid, started });
  } catch (error) {
    // The message may name released files (storing them failed): the node's log has it, the job's detail does not.
    ctx.log(`job ${id}: settlement failed: ${(error as Error).message}`);
    return set('failed', 'could not settle on-chain; the buyer can refund after the deadline', { reason: 'node-error', finishedAt: new Date().toISOString() });
  }
}

/** Encrypts what is released, signs the receipt and settles on-chain. */
async function publish(
  ctx: PipelineContext,
  record: JobRecord,
  outcome: { released: { outputs?: string; logs?: string }; failure?: JobFailure; run?: SandboxResult; minutesUsed: number; datasetCid: string; started: Date },
): Promise<JobRecord> {
  const { store, market } = ctx;
  const id = record.jobId;
  const jobId = BigInt(id);
  const job = jobStruct(record);
  const delivered = outcome.released.outputs !== undefined || outcome.released.logs !== undefined;
  store.update(id, { status: 'publishing' }, delivered ? 'encrypting results to the buyer and settling' : 'settling: nothing released, the data fee goes back to the buyer');
  const stored = delivered ? await storeResults(market.store, jobId, outcome.released, record.resultKey) : undefined;
  const empty = filesHash([]);
  const environment = ctx.environment(job.environment);
  const receipt: Receipt = {
    jobId: id,
    datasetId: job.datasetId.toString(),
    datasetCid: outcome.datasetCid || 'unknown',
    algorithmHash: job.algorithmHash,
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
    environment: job.environment,
    hardware: environment.hardware,
    nodeVersion: NODE_SOFTWARE,
    startedAt: Math.floor(outcome.started.getTime() / 1000).toString(),
    finishedAt: Math.floor(Date.now() / 1000).toString(),
  };
  const { chainId } = market.deployments;
  const computeMarket = market.deployments.contracts.computeMarket;
  const signed = await signReceipt(ctx.node, receipt, chainId, computeMarket);
  const resultHash = settledResultHash(receipt, chainId, computeMarket);
  // What stays counted against the buyer's byte budget: every released byte, outputs and logs alike.
  const releasedBytes = BigInt([...(stored?.outputs ?? []), ...(stored?.logs ?? [])].reduce((sum, file) => sum + file.size, 0));
  const signature = await signJobResult(ctx.node, { chainId, computeMarket }, { jobId, resultHash, minutesUsed: receipt.minutesUsed, delivered, releasedBytes });
  const { hash } = await market.send(`settle job ${id}`, { ...contractsOf(market.deployments).computeMarket, functionName: 'submitResult', args: [jobId, job, resultHash, receipt.minutesUsed, delivered, releasedBytes, signature] });
  // Only now, with the settlement mined (sendWrite throws for a reverted one), do the receipt and the buyer's
  // wrapped results key reach the record the API serves: a job that fails to settle never hands out results the
  // buyer could keep while refunding the escrow after the deadline.
  const finishedAt = new Date().toISOString();
  const settlement = { txHash: hash, delivered };
  const released = { receipt: signed, settlement, finishedAt, ...(stored ? { results: { cid: stored.cid, wrappedKey: stored.wrappedKey } } : {}) };
  if (outcome.failure) return store.update(id, { status: 'failed', reason: outcome.failure.reason, ...released }, outcome.failure.detail ?? FAILURE_REASONS[outcome.failure.reason]);
  return store.update(id, { status: 'finished', ...released }, `settled in ${hash}`);
}
