/**
 * Opening a final job's results, for the CLI and the browser alike: its receipt, encrypted results and report
 * fetched from its node as the buyer (one sign-in), the results key unwrapped with the job's private key on this
 * host, every released file decrypted into the caller's sink and checked against the manifest, and the receipt
 * verified: signed by the provider's node key, settled on-chain with its result hash, and naming exactly these
 * files (their hash and their outputs root).
 */
import type { Address, Chain, PublicClient, Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import type { JobReport } from '../api';
import { jobAuthorization, providerRequest } from '../auth';
import { ReceiptError, ResultsError } from '../errors';
import type { ComputePort, HeldResultKey, RequestedJob } from '../port';
import { parseSignedReceipt, verifyReceiptFiles, verifyReceiptOnChain, type JobOnChain, type SignedReceipt } from '../receipt';
import { decryptResultFile, readResultsManifest, wrappedKeySchema, type ResultFile } from '../results';

/** How ComputeMarket split the escrow when the job settled (JobSettled). */
export interface EscrowSplit {
  ownerAmount: bigint;
  providerAmount: bigint;
  marketFee: bigint;
  buyerRefund: bigint;
}

/** Where released files go: each one's plaintext, already checked against the manifest as it is read. */
export type ResultsSink<T> = (kind: 'outputs' | 'logs', file: ResultFile, plaintext: AsyncIterable<Uint8Array>) => Promise<T>;

export interface JobResults<T> {
  receipt: SignedReceipt;
  outputs: T[];
  logs: T[];
  split: EscrowSplit;
  /** The node's report: the output guard's findings (entries by number, never a name) and how the algorithm ended. */
  report: JobReport;
}

export async function openJobResults<K extends HeldResultKey, T>(port: ComputePort<K>, job: Pick<RequestedJob<K>, 'jobId' | 'endpoint' | 'chainId' | 'computeMarket' | 'resultKey'>, sink: ResultsSink<T>, fromBlock: bigint): Promise<JobResults<T>> {
  const authorization = await jobAuthorization(port.signer, { endpoint: job.endpoint, chainId: job.chainId, jobId: job.jobId });
  const [body, report] = await Promise.all([
    providerRequest<{ receipt: unknown; results: { cid: string; wrappedKey: unknown } | null }>(job.endpoint, `/api/v1/jobs/${job.jobId}/results`, { headers: { authorization } }),
    providerRequest<JobReport>(job.endpoint, `/api/v1/jobs/${job.jobId}/report`, { headers: { authorization } }),
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

  const chain = await readJobOnChain(port.publicClient, job.computeMarket, job.jobId, fromBlock);
  await verifyReceiptOnChain(receipt, { chainId: job.chainId, computeMarket: job.computeMarket }, chain);
  verifyReceiptFiles(receipt.receipt, released, { outputs: `the outputs of job ${job.jobId}`, logs: `the logs of job ${job.jobId}` }, 'the provider released other files than it signed for; do not rely on them');
  if (!chain.split) throw new ReceiptError(`job ${job.jobId}'s settlement on-chain names no split`);
  return { receipt, outputs, logs, split: chain.split, report };
}

/** The job on-chain: its request, its provider's node key and its settlement, from `fromBlock` (the market's deployment). */
export async function readJobOnChain(client: PublicClient<Transport, Chain>, computeMarket: Address, jobId: bigint, fromBlock: bigint): Promise<JobOnChain & { split?: EscrowSplit }> {
  const [requested, settled] = await Promise.all([
    client.getContractEvents({ address: computeMarket, abi: computeMarketAbi, eventName: 'JobRequested', args: { jobId }, fromBlock }),
    client.getContractEvents({ address: computeMarket, abi: computeMarketAbi, eventName: 'JobSettled', args: { jobId }, fromBlock }),
  ]);
  const job = requested[0]?.args.job;
  if (!job) throw new ReceiptError(`ComputeMarket ${computeMarket} has no job ${jobId}`, 'check that you are on the market’s chain');
  const provider = await client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [job.providerId] });
  const event = settled[0]?.args;
  const settlement = event?.resultHash && event.minutesUsed !== undefined && event.delivered !== undefined ? { resultHash: event.resultHash, minutesUsed: event.minutesUsed, delivered: event.delivered } : undefined;
  return { job, nodeKey: provider.signer, settlement, split: event?.split };
}
