/**
 * Opening a final job's results, for the CLI and the browser alike: its receipt, encrypted results and report
 * fetched from its node as the buyer (one sign-in), the results key unwrapped with the job's private key on this
 * host, every released file decrypted into the caller's sink and checked against the manifest, and the receipt
 * verified: signed by the provider's node key, settled on-chain with its result hash, and naming exactly these
 * files (their hash and their outputs root). A run over several datasets is opened under its first job; its receipt
 * names every job, each of which settled with it, and each job's split (what its dataset's owner was paid) is read.
 */
import type { Address, Chain, Hex, PublicClient, Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import type { JobReport } from '../api';
import { jobAuthorization, providerRequest } from '../auth';
import { ComputeJobError, ReceiptError, ResultsError } from '../errors';
import type { ComputePort, HeldResultKey, RequestedJob } from '../port';
import { parseSignedReceipt, receiptJobIds, verifyReceiptFiles, verifyReceiptOnChain, type SignedReceipt } from '../receipt';
import { decryptResultFile, readResultsManifest, wrappedKeySchema, type ResultFile } from '../results';
import type { Job, JobStatus, ResultDomain } from '../settlement';

/** How ComputeMarket split the escrow when the job settled (JobSettled). */
export interface EscrowSplit {
  ownerAmount: bigint;
  providerAmount: bigint;
  marketFee: bigint;
  buyerRefund: bigint;
}

/** Where released files go: each one's plaintext, already checked against the manifest as it is read. */
export type ResultsSink<T> = (kind: 'outputs' | 'logs', file: ResultFile, plaintext: AsyncIterable<Uint8Array>) => Promise<T>;

/** How one job of a run closed on-chain. */
export interface RunJobOnChain {
  jobId: bigint;
  job: Job;
  escrow: bigint;
  status: JobStatus;
  /** Its settlement (JobSettled): the result it settled with and how its escrow was split. */
  settlement?: { resultHash: Hex; minutesUsed: number; delivered: boolean; split: EscrowSplit };
  /** What cancelling it, or refunding it after its deadline, credited back to the buyer. */
  returned?: bigint;
}

export interface JobResults<T> {
  receipt: SignedReceipt;
  outputs: T[];
  logs: T[];
  /** How the escrow was split: a run's summed over its jobs. */
  split: EscrowSplit;
  /** Each job's own split (one per dataset of a run): what each dataset's owner was paid. */
  splits: { jobId: bigint; datasetId: bigint; split: EscrowSplit }[];
  /** The node's report: the output guard's findings (entries by number, never a name) and how the algorithm ended; none for a federated job (its node releases no algorithm output but updates and the final model). */
  report?: JobReport;
}

export async function openJobResults<K extends HeldResultKey, T>(
  port: ComputePort<K>,
  job: Pick<RequestedJob<K>, 'jobId' | 'endpoint' | 'chainId' | 'computeMarket' | 'resultKey'>,
  sink: ResultsSink<T>,
  fromBlock: bigint,
  options: { federated?: boolean } = {},
): Promise<JobResults<T>> {
  const authorization = await jobAuthorization(port.signer, { endpoint: job.endpoint, chainId: job.chainId, jobId: job.jobId });
  const api = options.federated ? 'federated' : 'jobs';
  const [body, report] = await Promise.all([
    providerRequest<{ receipt: unknown; results: { cid: string; wrappedKey: unknown } | null }>(job.endpoint, `/api/v1/${api}/${job.jobId}/results`, { headers: { authorization } }),
    options.federated ? undefined : providerRequest<JobReport>(job.endpoint, `/api/v1/jobs/${job.jobId}/report`, { headers: { authorization } }),
  ]);
  const receipt = parseSignedReceipt(body.receipt);
  if (receipt.receipt.jobId !== job.jobId.toString()) throw new ReceiptError(`the node sent the receipt of job ${receipt.receipt.jobId} for job ${job.jobId}`);

  const outputs: T[] = [];
  const logs: T[] = [];
  let released: { outputs: ResultFile[]; logs: ResultFile[] } = { outputs: [], logs: [] };
  if (body.results) {
    const { cid } = body.results;
    const wrapped = wrappedKeySchema.safeParse(body.results.wrappedKey);
    if (!wrapped.success) throw new ResultsError(`the node sent a malformed results key for job ${job.jobId}`);
    const key = await port.openResultsKey(wrapped.data, job.resultKey);
    try {
      const manifest = await readResultsManifest(port.ciphertext(cid), key, cid);
      for (const [kind, files, into] of [['outputs', manifest.outputs, outputs], ['logs', manifest.logs, logs]] as const) {
        for (const file of files) into.push(await sink(kind, file, decryptResultFile(port.ciphertext(file.cid), key, file, `${kind}/${file.path}`)));
      }
      released = manifest;
    } finally {
      key.fill(0);
    }
  }

  const splits = await verifyRunReceipt(port.publicClient, { chainId: job.chainId, computeMarket: job.computeMarket }, receipt, fromBlock);
  verifyReceiptFiles(receipt.receipt, released, { outputs: `the outputs of job ${job.jobId}`, logs: `the logs of job ${job.jobId}` }, 'the provider released other files than it signed for; do not rely on them');
  return { receipt, outputs, logs, split: sumSplits(splits.map((s) => s.split)), splits, ...(report ? { report } : {}) };
}

/**
 * Checks `signed` on-chain against every job it must cover, and returns how each one's escrow was split: the jobs
 * of its run on its provider — a job alone, or a run over several datasets on one provider, whose one receipt must
 * name exactly its jobs (a node cannot leave a dataset out) — each signed for by that provider's node key and
 * settled with the receipt's result hash, minutes and delivery. (A federated run's jobs on other providers have
 * receipts of their own.)
 */
export async function verifyRunReceipt(client: PublicClient<Transport, Chain>, market: ResultDomain, signed: SignedReceipt, fromBlock: bigint): Promise<{ jobId: bigint; datasetId: bigint; split: EscrowSplit }[]> {
  const jobId = BigInt(signed.receipt.jobId);
  const run = await readRun(client, market.computeMarket, jobId, fromBlock);
  const own = run.find((job) => job.jobId === jobId)!;
  const covered = run.filter((job) => job.job.providerId === own.job.providerId);
  const named = receiptJobIds(signed.receipt);
  if (named.join() !== covered.map((job) => job.jobId).join()) {
    throw new ReceiptError(`the receipt of job ${jobId} names job${named.length === 1 ? '' : 's'} ${named.join(', ')}, but its run on-chain has job${covered.length === 1 ? '' : 's'} ${covered.map((job) => job.jobId).join(', ')} on provider ${own.job.providerId}`);
  }
  const provider = await client.readContract({ address: market.computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [own.job.providerId] });
  for (const job of covered) await verifyReceiptOnChain(signed, market, { jobId: job.jobId, job: job.job, nodeKey: provider.signer, settlement: job.settlement });
  return covered.map((job) => ({ jobId: job.jobId, datasetId: job.job.datasetId, split: job.settlement!.split }));
}

/**
 * The job of `run` that `jobId`'s node, results and receipt go by — the run's first job on the same provider (a job
 * over several datasets is one run there; each job of a federated run is its provider's own) — and whether the run
 * is federated: its jobs on different providers.
 */
export function nodeJobOf(run: readonly { jobId: bigint; job: Pick<Job, 'providerId'> }[], jobId: bigint): { jobId: bigint; federated: boolean } {
  const own = run.find((job) => job.jobId === jobId)!;
  const first = run.find((job) => job.job.providerId === own.job.providerId)!;
  return { jobId: first.jobId, federated: run.some((job) => job.job.providerId !== own.job.providerId) };
}

function sumSplits(splits: readonly EscrowSplit[]): EscrowSplit {
  const sum = (key: keyof EscrowSplit) => splits.reduce((total, split) => total + split[key], 0n);
  return { ownerAmount: sum('ownerAmount'), providerAmount: sum('providerAmount'), marketFee: sum('marketFee'), buyerRefund: sum('buyerRefund') };
}

/**
 * Every job of the run `jobId` belongs to (ComputeMarket.jobGroup: from the chain, never from a buyer's or a
 * node's word), in order, each with its request, status and how it closed: settled (and how its escrow was split),
 * or cancelled or refunded (and what came back). A job requested alone is a run of one.
 */
export async function readRun(client: PublicClient<Transport, Chain>, computeMarket: Address, jobId: bigint, fromBlock: bigint): Promise<RunJobOnChain[]> {
  const market = { address: computeMarket, abi: computeMarketAbi } as const;
  const [firstJobId, count] = await client.readContract({ ...market, functionName: 'jobGroup', args: [jobId] });
  if (count === 0n) throw new ComputeJobError(`there is no job ${jobId}`, 'check the id: `datagora compute` prints it');
  const ids = Array.from({ length: Number(count) }, (_, i) => firstJobId + BigInt(i));
  const args = { jobId: ids };
  const [requested, settled, cancelled, refunded, statuses] = await Promise.all([
    client.getContractEvents({ ...market, eventName: 'JobRequested', args, fromBlock }),
    client.getContractEvents({ ...market, eventName: 'JobSettled', args, fromBlock }),
    client.getContractEvents({ ...market, eventName: 'JobCancelled', args, fromBlock }),
    client.getContractEvents({ ...market, eventName: 'JobRefunded', args, fromBlock }),
    Promise.all(ids.map((id) => client.readContract({ ...market, functionName: 'jobStatus', args: [id] }))),
  ]);
  return ids.map((id, i) => {
    const request = requested.find((event) => event.args.jobId === id)?.args;
    if (!request?.job || request.escrow === undefined) throw new ComputeJobError(`ComputeMarket ${computeMarket} has no request of job ${id} since block ${fromBlock}`, 'check that you are on the market’s chain');
    const settlement = settled.find((event) => event.args.jobId === id)?.args;
    const returned = [...cancelled, ...refunded].find((event) => event.args.jobId === id)?.args.amount;
    return {
      jobId: id,
      job: request.job,
      escrow: request.escrow,
      status: statuses[i]! as JobStatus,
      ...(settlement?.resultHash && settlement.minutesUsed !== undefined && settlement.delivered !== undefined && settlement.split
        ? { settlement: { resultHash: settlement.resultHash, minutesUsed: settlement.minutesUsed, delivered: settlement.delivered, split: settlement.split } }
        : {}),
      ...(returned !== undefined ? { returned } : {}),
    };
  });
}
