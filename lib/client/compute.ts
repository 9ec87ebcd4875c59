/**
 * Compute-to-data from the browser, as ComputeClient does it for the CLI: quote a job from the chain, pay it into
 * escrow with the wallet, send the algorithm to the provider node under a SIWE sign-in that names the job and a
 * result key made in the page, follow the job by Server-Sent Events, then decrypt its results in the page and
 * check its signed receipt against the chain. The result key's private half is a non-extractable WebCrypto key
 * kept in this browser's IndexedDB: only this browser can open the job's results.
 */
import { parseEventLogs, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import { algorithmHash, checkParameters, MAX_ALGORITHM_BYTES, runtimeOf } from '../compute/algorithm';
import { jobAuthorization, providerRequest } from '../compute/auth';
import { ComputeJobError, ProviderRequestError, ReceiptError, ResultsError } from '../compute/errors';
import type { JobReport, JobView } from '../compute/provider/jobs';
import { FINAL_STATUSES } from '../compute/settlement';
import { parseSignedReceipt, verifyReceiptOnChain, type JobOnChain, type SignedReceipt } from '../compute/receipt';
import type { Job } from '../compute/settlement';
import { decryptResultFile, filesHash, generateResultKey, openResultsKey, readResultsManifest, toBase64, wrappedKeySchema, type ResultFile, type ResultKey, type WrappedKey } from '../compute/results';
import { computeMarketAbi, mockStablecoinAbi } from '../contracts';
import { InsufficientFundsError } from '../market/errors';
import { formatAmount } from '../units';
import type { ClientConfig } from './config';
import { ownedDataset } from './owner';
import { addressOf, send, signer, type BrowserWallet } from './wallet';
import { fromGateway } from './streams';

import { quoteJob, requestJobArgs, type JobChoice } from '../compute/buyer/quote';

export { ComputeJobError } from '../compute/errors';
export { quoteJob, type JobChoice, type JobQuote } from '../compute/buyer/quote';

type Reader = PublicClient<Transport, Chain>;

/** A job this browser requested: everything needed to follow it and open its results later. */
export interface LocalJob {
  /** `chainId:computeMarket:jobId`, the IndexedDB key. */
  key: string;
  jobId: bigint;
  chainId: number;
  computeMarket: Address;
  job: Job;
  escrow: bigint;
  endpoint: string;
  /** The algorithm's file name and the parameters sent with it. */
  algorithm: string;
  params: unknown;
  resultKey: ResultKey;
  requestedAt: number;
  /** The node acknowledged the algorithm; false while it still has to be sent. */
  submitted: boolean;
}

export type RequestStep = 'quote' | 'pay' | 'submit';

/** An amount of the market's stablecoin for people: "1,015.25 dUSD". */
export const amountOf = (config: Pick<ClientConfig, 'stablecoin'>, amount: bigint): string => formatAmount(amount, config.stablecoin);

/** The file's bytes, once its runtime and size are ones a provider accepts. */
export async function readAlgorithm(file: File): Promise<Uint8Array> {
  if (!runtimeOf(file.name)) throw new ComputeJobError(`${file.name}: only Python (.py) and Node.js (.js, .mjs, .cjs) algorithms run on providers`, 'choose a .py or .js file');
  if (file.size > MAX_ALGORITHM_BYTES) throw new ComputeJobError(`${file.name} is ${file.size} bytes; providers accept at most ${MAX_ALGORITHM_BYTES}`, 'keep the algorithm small; it cannot download anything, so bundle only code');
  return new Uint8Array(await file.arrayBuffer());
}

// ------------------------------------------------------------------------------------------ this browser's jobs

const DATABASE = 'datagora-compute';
const JOBS = 'jobs';

function stored<T>(mode: IDBTransactionMode, work: (jobs: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const failed = (error: DOMException | null) =>
    new ComputeJobError(`this browser's job keys cannot be read or written: ${error?.message ?? 'IndexedDB is unavailable'}`, 'allow this site to store data (a private window may refuse it)');
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(JOBS, { keyPath: 'key' });
    open.onerror = () => reject(failed(open.error));
    open.onsuccess = () => {
      const database = open.result;
      const request = work(database.transaction(JOBS, mode).objectStore(JOBS));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(failed(request.error));
      request.transaction?.addEventListener('complete', () => database.close());
    };
  });
}

const marketKey = (config: ClientConfig) => `${config.chainId}:${config.contracts.computeMarket.toLowerCase()}:`;

async function saveJob(job: LocalJob): Promise<void> {
  await stored('readwrite', (jobs) => jobs.put(job));
}

/** The jobs this browser requested on this market, newest first. */
export async function localJobs(config: ClientConfig): Promise<LocalJob[]> {
  const all = await stored('readonly', (jobs) => jobs.getAll() as IDBRequest<LocalJob[]>);
  return all.filter((job) => job.key.startsWith(marketKey(config))).sort((a, b) => b.requestedAt - a.requestedAt);
}

// ------------------------------------------------------------------------------------------ requesting a job

/**
 * Pays a job into escrow (approving the stablecoin first when needed), keeps its result key in this browser, and
 * sends the algorithm to the provider. A job paid but not submitted stays in `localJobs` with `submitted` false
 * for `submitAlgorithm` to retry. The parameters are checked before any payment, as the SDK checks them: their
 * nesting (ParamsTooDeepError) and the columns the algorithm declares (UnknownColumnError).
 */
export async function requestJob(
  wallet: BrowserWallet,
  choice: JobChoice,
  input: { file: File; params: unknown },
  onStep: (step: RequestStep, job?: LocalJob) => void,
): Promise<LocalJob> {
  const { config, publicClient } = wallet;
  const buyer = addressOf(wallet);
  const content = await readAlgorithm(input.file);
  onStep('quote');
  // Parameters a provider refuses, or naming a column the data lacks, fail only once the data fee is paid: refuse
  // them now, the columns from the
  // document the web app verified against the registry.
  const { document } = await ownedDataset(choice.datasetId);
  checkParameters(content, input.params ?? {}, { id: choice.datasetId, columns: document.columns });
  const quote = await quoteJob(publicClient, config.contracts, choice);
  const balance = await publicClient.readContract({ address: quote.currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [buyer] });
  if (balance < quote.escrow) throw new InsufficientFundsError(`the job's escrow is ${amountOf(config, quote.escrow)} but ${buyer} holds ${amountOf(config, balance)}`, 'fund the account with the market stablecoin, or pay for fewer minutes');
  // Made before paying, so a paid job always has its key stored.
  const resultKey = await generateResultKey();

  onStep('pay');
  const computeMarket = config.contracts.computeMarket;
  const allowance = await publicClient.readContract({ address: quote.currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [buyer, computeMarket] });
  if (allowance < quote.escrow) {
    await send(wallet, `approve the compute market to take ${amountOf(config, quote.escrow)}`, { address: quote.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [computeMarket, quote.escrow] });
  }
  // The quoted terms, environment and escrow are what the wallet pays for: a change in flight reverts.
  const { hash, logs } = await send(wallet, `pay compute job on dataset ${choice.datasetId}`, {
    address: computeMarket,
    abi: computeMarketAbi,
    functionName: 'requestJob',
    args: requestJobArgs(choice, quote, algorithmHash(content)),
  });
  const [event] = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  if (!event) throw new ComputeJobError(`the payment ${hash} emitted no JobRequested event`, 'report it');
  const job: LocalJob = {
    key: `${marketKey(config)}${event.args.jobId}`,
    jobId: event.args.jobId,
    chainId: config.chainId,
    computeMarket,
    job: event.args.job,
    escrow: event.args.escrow,
    endpoint: quote.endpoint,
    algorithm: input.file.name,
    params: input.params,
    resultKey,
    requestedAt: Date.now(),
    submitted: false,
  };
  await saveJob(job);

  onStep('submit', job);
  return submitAlgorithm(wallet, job, content);
}

/** Sends a paid job's algorithm again (its node never got it): `file` must be the very file the job committed to. */
export async function sendAlgorithm(wallet: BrowserWallet, job: LocalJob, file: File): Promise<LocalJob> {
  const content = await readAlgorithm(file);
  if (algorithmHash(content) !== job.job.algorithmHash) {
    throw new ComputeJobError(`${file.name} is not the algorithm job ${job.jobId} paid for: its SHA-256 differs from ${job.job.algorithmHash}`, 'choose the file you paid for; another algorithm needs a new job');
  }
  return submitAlgorithm(wallet, job, content);
}

/** Withdraws a job its provider has not accepted: ComputeMarket credits the whole escrow back to the buyer. */
export async function cancelJob(wallet: BrowserWallet, job: LocalJob): Promise<void> {
  await send(wallet, `cancel job ${job.jobId}`, { address: job.computeMarket, abi: computeMarketAbi, functionName: 'cancelJob', args: [job.jobId, job.job] });
}

/** Sends a paid job's algorithm to its node under the buyer's sign-in; marks the stored job submitted. */
async function submitAlgorithm(wallet: BrowserWallet, job: LocalJob, content: Uint8Array): Promise<LocalJob> {
  const resultKey = job.resultKey.publicKey;
  const authorization = await jobAuthorization(signer(wallet), { endpoint: job.endpoint, chainId: job.chainId, jobId: job.jobId, resultKey });
  try {
    await providerRequest<JobView>(job.endpoint, '/api/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ jobId: job.jobId.toString(), algorithm: { name: job.algorithm, content: toBase64(content, 'base64') }, params: job.params, resultKey }),
    });
  } catch (error) {
    // A retry after an answer that got lost: the node has the job already.
    if (!(error instanceof ProviderRequestError && error.code === 'already-submitted')) throw error;
  }
  const submitted = { ...job, submitted: true };
  await saveJob(submitted);
  return submitted;
}

// ------------------------------------------------------------------------------------------ following it

/** The job's status at its node. */
export function jobStatus(job: Pick<LocalJob, 'endpoint' | 'jobId'>): Promise<JobView> {
  return providerRequest<JobView>(job.endpoint, `/api/v1/jobs/${job.jobId}`);
}

export interface JobWatcher {
  status(view: JobView): void;
  /** The stream broke (the node restarting, the network): the browser reconnects by itself. */
  reconnecting(): void;
  /** The node refused the stream: the reason it gives for the job. */
  failed(error: unknown): void;
}

/** Follows the job's status by the node's Server-Sent Events until it is final; returns a function that stops. */
export function watchJob(job: Pick<LocalJob, 'endpoint' | 'jobId'>, watcher: JobWatcher): () => void {
  const events = new EventSource(new URL(`/api/v1/jobs/${job.jobId}/events`, job.endpoint));
  events.addEventListener('status', (event) => {
    const view = JSON.parse((event as MessageEvent<string>).data) as JobView;
    watcher.status(view);
    if (FINAL_STATUSES.includes(view.status)) events.close();
  });
  events.onerror = () => {
    if (events.readyState !== EventSource.CLOSED) return watcher.reconnecting();
    // An answer other than a stream (the node does not know the job): its JSON says why.
    jobStatus(job).then(watcher.status, watcher.failed);
  };
  return () => events.close();
}

// ------------------------------------------------------------------------------------------ its results

/** A released file, decrypted in the page and checked against the manifest. */
export interface ReleasedFile extends ResultFile {
  blob: Blob;
}

/** How ComputeMarket split the escrow when the job settled (JobSettled). */
export interface EscrowSplit {
  ownerAmount: bigint;
  providerAmount: bigint;
  marketFee: bigint;
  buyerRefund: bigint;
}

export interface JobResults {
  receipt: SignedReceipt;
  outputs: ReleasedFile[];
  logs: ReleasedFile[];
  split: EscrowSplit;
  /** The node's report: the output guard's findings (entries by number, never a name) and how the algorithm ended. */
  report: JobReport;
}

/** Encrypted results through the web app's gateway; a refusal is a ResultsError. */
const resultsFromGateway = (cid: string) => fromGateway(cid, (message, hint) => new ResultsError(message, hint));

async function decryptFiles(files: readonly (ResultFile & { cid: string })[], key: Uint8Array, kind: string): Promise<ReleasedFile[]> {
  const released: ReleasedFile[] = [];
  for (const file of files) {
    const parts: Uint8Array[] = [];
    for await (const part of decryptResultFile(resultsFromGateway(file.cid), key, file, `${kind}/${file.path}`)) parts.push(part);
    released.push({ path: file.path, size: file.size, sha256: file.sha256, blob: new Blob(parts as BlobPart[]) });
  }
  return released;
}

/** The job on-chain: its request, its provider's node key and its settlement, from `fromBlock` (the market's deployment). */
async function readJobOnChain(client: Reader, computeMarket: Address, jobId: bigint, fromBlock: bigint): Promise<JobOnChain & { split?: EscrowSplit }> {
  const [requested, settled] = await Promise.all([
    client.getContractEvents({ address: computeMarket, abi: computeMarketAbi, eventName: 'JobRequested', args: { jobId }, fromBlock }),
    client.getContractEvents({ address: computeMarket, abi: computeMarketAbi, eventName: 'JobSettled', args: { jobId }, fromBlock }),
  ]);
  const job = requested[0]?.args.job;
  if (!job) throw new ReceiptError(`ComputeMarket ${computeMarket} has no job ${jobId}`, 'check that the wallet is on the market’s chain');
  const provider = await client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [job.providerId] });
  const event = settled[0]?.args;
  const settlement = event?.resultHash && event.minutesUsed !== undefined && event.delivered !== undefined ? { resultHash: event.resultHash, minutesUsed: event.minutesUsed, delivered: event.delivered } : undefined;
  return { job, nodeKey: provider.signer, settlement, split: event?.split };
}

/**
 * Fetches a final job's receipt, results and report from its node as the buyer (one sign-in), decrypts the
 * released files in the page with the job's result key, and verifies the receipt: signed by the provider's node
 * key, settled on-chain with its hash, and naming exactly these files.
 */
export async function openJobResults(wallet: BrowserWallet, job: LocalJob, fromBlock: bigint): Promise<JobResults> {
  const authorization = await jobAuthorization(signer(wallet), { endpoint: job.endpoint, chainId: job.chainId, jobId: job.jobId });
  const [body, report] = await Promise.all([
    providerRequest<{ receipt: unknown; results: { cid: string; wrappedKey: WrappedKey } | null }>(job.endpoint, `/api/v1/jobs/${job.jobId}/results`, { headers: { authorization } }),
    providerRequest<JobReport>(job.endpoint, `/api/v1/jobs/${job.jobId}/report`, { headers: { authorization } }),
  ]);
  const receipt = parseSignedReceipt(body.receipt);
  if (receipt.receipt.jobId !== job.jobId.toString()) throw new ReceiptError(`the node sent the receipt of job ${receipt.receipt.jobId} for job ${job.jobId}`);

  let outputs: ReleasedFile[] = [];
  let logs: ReleasedFile[] = [];
  if (body.results) {
    const wrapped = wrappedKeySchema.safeParse(body.results.wrappedKey);
    if (!wrapped.success) throw new ResultsError(`the node sent a malformed results key for job ${job.jobId}`);
    const key = await openResultsKey(wrapped.data, job.resultKey);
    try {
      const manifest = await readResultsManifest(resultsFromGateway(body.results.cid), key, body.results.cid);
      outputs = await decryptFiles(manifest.outputs, key, 'outputs');
      logs = await decryptFiles(manifest.logs, key, 'logs');
    } finally {
      key.fill(0);
    }
  }

  const chain = await readJobOnChain(wallet.publicClient, job.computeMarket, job.jobId, fromBlock);
  await verifyReceiptOnChain(receipt, { chainId: job.chainId, computeMarket: job.computeMarket }, chain);
  if (filesHash(outputs) !== receipt.receipt.outputHash) throw new ReceiptError(`the outputs of job ${job.jobId} do not hash to its receipt's outputHash`, 'the provider released other files than it signed for; do not rely on them');
  if (filesHash(logs) !== receipt.receipt.logsHash) throw new ReceiptError(`the logs of job ${job.jobId} do not hash to its receipt's logsHash`, 'the provider released other logs than it signed for; do not rely on them');
  if (!chain.split) throw new ReceiptError(`job ${job.jobId}'s settlement on-chain names no split`);
  return { receipt, outputs, logs, split: chain.split, report };
}
