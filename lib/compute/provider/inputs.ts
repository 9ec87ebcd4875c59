/**
 * A run's inputs on the provider node. A run is one job, or the jobs one requestJob linked over several datasets
 * (ComputeMarket.jobGroup), all run at once by one algorithm. Before anything is accepted, every dataset is checked
 * against its own compute policy; then every job is accepted (the key network releases a dataset's key only to a
 * node with an accepted job on it); each dataset is decrypted to inputs/<id>/0 with its plaintext hash checked and
 * described at ddos/<id>. The output guard runs under the strictest of the datasets' policies and checks what is
 * released against every dataset's leak index: a row of any of them blocks the lot.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseEnvelope } from '../../access';
import { contractsOf } from '../../contracts';
import { createSha256, decryptStream, toHex } from '../../crypto';
import type { DatasetDocument } from '../../metadata';
import type { DatasetDetails, Market } from '../../market';
import { DEFAULT_GUARD_POLICY, inspectOutputs, LeakIndex, type GuardPolicy, type GuardVerdict } from '../guard';
import { JobStatus, type Job } from '../settlement';
import { templateByHash } from '../templates';
import { datasetDdo } from './ddo';
import { JobFailure } from './failure';
import { runJobs, type JobRecord } from './jobs';
import type { PipelineContext } from './pipeline';
import { checkTemplateJob, type TemplateRun } from './templates';

/** One job of a run and the dataset it mounts. */
export interface RunInput {
  jobId: bigint;
  job: Job;
  dataset: DatasetDetails;
  /** Where the node decrypts the dataset: inputs/<datasetId>/0 in the run's workspace. */
  file: string;
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

/**
 * The strictest of the inputs' policies: the fewest bytes any dataset or job reservation allows (each job settles
 * the same released bytes), leak detection if any dataset asks for it, and the largest minimum group size.
 */
export function runGuardPolicy(inputs: readonly RunInput[], diskBytes: number): GuardPolicy {
  const policies = inputs.map(({ dataset, job }) => guardPolicyOf(dataset.document, dataset.terms.computeOnly, diskBytes, job.releaseBytes));
  const groups = policies.flatMap((policy) => (policy.minGroupSize === undefined ? [] : [policy.minGroupSize]));
  return {
    maxOutputBytes: Math.min(...policies.map((policy) => policy.maxOutputBytes)),
    leakDetection: policies.some((policy) => policy.leakDetection),
    ...(groups.length > 0 ? { minGroupSize: Math.max(...groups) } : {}),
  };
}

/** The on-chain status of every job of the run, in order. */
export async function runStatuses(ctx: PipelineContext, record: JobRecord): Promise<JobStatus[]> {
  const { computeMarket } = contractsOf(ctx.market.deployments);
  return Promise.all(runJobs(record).map(({ jobId }) => ctx.market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] }) as Promise<JobStatus>));
}

/** Whether a job in `status` can still be accepted or settled. */
export const isOpen = (status: JobStatus) => status === JobStatus.Requested || status === JobStatus.Accepted;

/** Every job of the run with its dataset as the market describes it now, its input file under `workspaceDir`. */
export async function readInputs(ctx: PipelineContext, record: JobRecord, workspaceDir: string): Promise<RunInput[]> {
  return Promise.all(
    runJobs(record).map(async ({ jobId, datasetId, job }) => ({ jobId, job, dataset: await ctx.market.getDataset(datasetId), file: path.join(workspaceDir, 'inputs', datasetId.toString(), '0') })),
  );
}

/**
 * Checks every input against its dataset's compute policy before anything is accepted or decrypted: the provider
 * still allowed, compute and (when declared) AI training allowed, the algorithm approved where the owner approves
 * algorithms, code refused where only templates run, a reservation of bytes to release. A template runs on one
 * dataset only. Returns the template run, if it is one. Throws JobFailure for the first refusal, naming the dataset
 * in a run of several.
 */
export async function checkInputs(ctx: PipelineContext, inputs: readonly RunInput[], params: unknown): Promise<TemplateRun | undefined> {
  const { market } = ctx;
  const { computeMarket } = contractsOf(market.deployments);
  const [{ job: first }] = inputs as [RunInput];
  if (inputs.length > 1 && templateByHash(first.algorithmHash)) throw new JobFailure('template-one-dataset', `this job names ${inputs.length} datasets`);
  let templateRun: TemplateRun | undefined;
  for (const { job, dataset } of inputs) {
    const of = inputs.length > 1 ? `dataset ${job.datasetId}: ` : '';
    const [allowed, approved] = await Promise.all([
      market.publicClient.readContract({ ...computeMarket, functionName: 'isProviderAllowed', args: [job.datasetId, job.providerId] }),
      market.publicClient.readContract({ ...computeMarket, functionName: 'isAlgorithmApproved', args: [job.datasetId, job.algorithmHash] }),
    ]);
    if (!allowed) throw new JobFailure('provider-not-allowed', `the owner of dataset ${job.datasetId} withdrew provider ${job.providerId}`);
    if (!dataset.terms.computeOnly && dataset.terms.computePrice === 0n) throw new JobFailure('compute-not-allowed', inputs.length > 1 ? `${of}its licence does not allow compute jobs` : undefined);
    if (job.aiTraining && !dataset.terms.aiTrainingAllowed) throw new JobFailure('compute-not-allowed', `${of}the job declares AI training, which the licence forbids`);
    if (dataset.document.compute?.algorithms === 'approved' && !approved) throw new JobFailure('algorithm-not-approved', inputs.length > 1 ? `${of}its owner did not approve the algorithm` : undefined);
    templateRun = await naming(inputs, job.datasetId, () => checkTemplateJob(market, job, dataset.document, params));
    // Settlement could count no released byte against it: the node would work unpaid, so it runs nothing.
    if (job.releaseBytes === 0n) throw new JobFailure('compute-not-allowed', `${of}the job reserved no bytes of results to release`);
  }
  return templateRun;
}

/**
 * Accepts every job of the run still requested (`statuses`, read before). Returns the id of a job the buyer
 * cancelled between that read and its acceptance, else undefined.
 */
export async function acceptInputs(ctx: PipelineContext, inputs: readonly RunInput[], statuses: readonly JobStatus[]): Promise<bigint | undefined> {
  const { market } = ctx;
  const { computeMarket } = contractsOf(market.deployments);
  for (const [i, { jobId, job }] of inputs.entries()) {
    if (statuses[i] !== JobStatus.Requested) continue;
    try {
      await market.send(`accept job ${jobId}`, { ...computeMarket, functionName: 'acceptJob', args: [jobId, job] });
    } catch (error) {
      const now = await market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
      if (now === JobStatus.Cancelled) return jobId;
      throw error;
    }
  }
  return undefined;
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

/** `step`'s JobFailure naming `datasetId` when the run has several datasets. */
async function naming<T>(inputs: readonly RunInput[], datasetId: bigint, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof JobFailure && inputs.length > 1) throw new JobFailure(error.reason, `dataset ${datasetId}: ${error.message}`);
    throw error;
  }
}

/**
 * Obtains each dataset's key, decrypts it to its input file with its plaintext hash checked, and writes its DDO to
 * `ddosDir`. Throws JobFailure (key-denied, data-unavailable, data-corrupt) for the first dataset that fails.
 */
export async function provisionInputs(ctx: PipelineContext, inputs: readonly RunInput[], ddosDir: string, progress: (detail: string) => void): Promise<void> {
  for (const { job, dataset, file } of inputs) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(path.join(ddosDir, job.datasetId.toString()), JSON.stringify(datasetDdo(dataset, ctx.market.deployments)));
    const dataKey = await naming(inputs, job.datasetId, () => dataKeyOf(ctx, dataset));
    progress(`decrypting ${inputs.length > 1 ? `dataset ${job.datasetId}, ` : ''}${dataset.document.size} bytes`);
    await naming(inputs, job.datasetId, () => decryptInto(ctx.market, dataset, dataKey, file));
  }
}

/**
 * Inspects `candidate` under `policy` against every input: released only when released against each one's leak
 * index. The indexes are built one at a time, each dropped before the next, so memory stays that of the largest.
 */
export async function guardInputs(candidate: { outputs: string; logs: string }, inputs: readonly RunInput[], policy: GuardPolicy): Promise<GuardVerdict> {
  if (!policy.leakDetection && policy.minGroupSize === undefined) return inspectOutputs(candidate, undefined, policy);
  let verdict: GuardVerdict | undefined;
  for (const { file } of inputs) {
    verdict = await inspectOutputs(candidate, await LeakIndex.build(file, { rowsOnly: !policy.leakDetection }), policy);
    if (!verdict.released) return verdict;
  }
  return verdict!;
}
