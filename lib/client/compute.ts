/**
 * Compute-to-data from the browser: the browser's adapter of the compute flows' port (lib/compute/port.ts) and the
 * flows over it (lib/compute/actions) with the page's inputs — quote a job from the chain, pay it into escrow
 * with the wallet, send the algorithm to the provider node under a SIWE sign-in that names the job and a result
 * key made in the page, follow the job, then decrypt its results in the page and check its signed receipt against
 * the chain. The result key's private half is a non-extractable WebCrypto key kept in this browser's IndexedDB:
 * only this browser can open the job's results.
 */
import { reclaimEscrow, requestJob as requestJobOver, sendAlgorithm as sendAlgorithmOver, type RequestStep } from '../compute/actions/request';
import { followJob } from '../compute/actions/follow';
import { openJobResults as openResultsOver, type JobResults as Opened } from '../compute/actions/results';
import { checkAlgorithm } from '../compute/algorithm';
import { providerRequest } from '../compute/auth';
import { ComputeJobError, ResultsError } from '../compute/errors';
import type { JobChoice } from '../compute/buyer/quote';
import type { ComputePort, RequestedJob } from '../compute/port';
import type { JobView } from '../compute/provider/jobs';
import { generateResultKey, openResultsKey, type ResultFile, type ResultKey } from '../compute/results';
import { formatAmount } from '../units';
import type { ClientConfig } from './config';
import { browserPort } from './port';
import { fromGateway } from './streams';
import { signer, type BrowserWallet } from './wallet';

export { ComputeJobError } from '../compute/errors';
export { quoteJob, type JobChoice, type JobQuote } from '../compute/buyer/quote';
export type { RequestStep } from '../compute/actions/request';
export type { EscrowSplit } from '../compute/actions/results';

/** A job this browser requested, as IndexedDB keeps it. */
export interface LocalJob extends RequestedJob<ResultKey> {
  /** `chainId:computeMarket:jobId`, the IndexedDB key. */
  key: string;
}

/** An amount of the market's stablecoin for people: "1,015.25 dUSD". */
export const amountOf = (config: Pick<ClientConfig, 'stablecoin'>, amount: bigint): string => formatAmount(amount, config.stablecoin);

/** The file's name and bytes, as the compute flows take an algorithm. */
async function algorithmOf(file: File): Promise<{ name: string; content: Uint8Array }> {
  checkAlgorithm(file.name, file.size);
  return { name: file.name, content: new Uint8Array(await file.arrayBuffer()) };
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


// ------------------------------------------------------------------------------------------ the flows

/** The compute port over the wallet: keys made and kept in this browser, results read through the web app's gateway. */
function computePort(wallet: BrowserWallet): ComputePort<ResultKey> {
  return {
    ...browserPort(wallet),
    signer: signer(wallet),
    newResultKey: generateResultKey,
    keepJob: (job) => saveJob({ ...job, key: `${marketKey(wallet.config)}${job.jobId}` }),
    openResultsKey,
    ciphertext: (cid) => fromGateway(cid, (message, hint) => new ResultsError(message, hint)),
  };
}

/** The job as kept in this browser. */
const local = (wallet: BrowserWallet, job: RequestedJob<ResultKey>): LocalJob => ({ ...job, key: `${marketKey(wallet.config)}${job.jobId}` });

/**
 * Pays a job into escrow and sends the algorithm (lib/compute/actions/request.ts). A job paid but not sent stays in
 * `localJobs` with `submitted` false for `sendAlgorithm` to retry.
 */
export async function requestJob(wallet: BrowserWallet, choice: JobChoice, input: { file: File; params: unknown }, onStep: (step: RequestStep, job?: LocalJob) => void): Promise<LocalJob> {
  const job = await requestJobOver(computePort(wallet), choice, await algorithmOf(input.file), input.params, (step, paid) => onStep(step, paid && local(wallet, paid)));
  return local(wallet, job);
}

/** Sends a paid job's algorithm again (its node never got it): `file` must be the very file the job committed to. */
export async function sendAlgorithm(wallet: BrowserWallet, job: LocalJob, file: File): Promise<LocalJob> {
  return local(wallet, await sendAlgorithmOver(computePort(wallet), job, await algorithmOf(file)));
}

/** Withdraws a job its provider has not accepted: ComputeMarket credits the whole escrow back to the buyer. */
export async function cancelJob(wallet: BrowserWallet, job: LocalJob): Promise<void> {
  await reclaimEscrow(browserPort(wallet), job.jobId, job.job, 'cancel');
}

/** The job's status at its node. */
export function jobStatus(job: Pick<LocalJob, 'endpoint' | 'jobId'>): Promise<JobView> {
  return providerRequest<JobView>(job.endpoint, `/api/v1/jobs/${job.jobId}`);
}

export interface JobWatcher {
  status(view: JobView): void;
  /** The stream broke (the node restarting, the network): it reconnects by itself. */
  reconnecting(): void;
  /** The node refused the stream, or the job can no longer run: the reason. */
  failed(error: unknown): void;
}

/** Follows the job's status at its node until it is final (lib/compute/actions/follow.ts); returns a function that stops. */
export function watchJob(wallet: Pick<BrowserWallet, 'publicClient'>, job: LocalJob, watcher: JobWatcher): () => void {
  const stop = new AbortController();
  followJob(wallet, job, watcher, stop.signal).catch((error: unknown) => {
    if (!stop.signal.aborted) watcher.failed(error);
  });
  return () => stop.abort();
}

/** A released file, decrypted in the page and checked against the manifest. */
export interface ReleasedFile extends ResultFile {
  blob: Blob;
}

export type JobResults = Opened<ReleasedFile>;

/** Each released file held in the page as a Blob. */
async function inMemory(_: string, file: ResultFile, plaintext: AsyncIterable<Uint8Array>): Promise<ReleasedFile> {
  const parts: Uint8Array[] = [];
  for await (const part of plaintext) parts.push(part);
  return { path: file.path, size: file.size, sha256: file.sha256, blob: new Blob(parts as BlobPart[]) };
}

/**
 * Opens a final job's results in the page with its result key and verifies its receipt
 * (lib/compute/actions/results.ts).
 */
export function openJobResults(wallet: BrowserWallet, job: LocalJob, fromBlock: bigint): Promise<JobResults> {
  return openResultsOver(computePort(wallet), job, inMemory, fromBlock);
}
