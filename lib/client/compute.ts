/**
 * Compute-to-data in the browser: its adapter of the compute flows' port (lib/compute/port.ts), over which the
 * pages run the flows themselves (lib/compute/actions: request, follow, results). A job's result key is a
 * non-extractable WebCrypto key kept with the job in this browser's IndexedDB, so only this browser can open the
 * job's results; encrypted results come through the web app's gateway and are held in the page as Blobs. A file
 * the page opened can be published as a model derived from its job (or from every job of a federated training),
 * over the publish port with those results.
 */
import { followJob, followSession } from '../compute/actions/follow';
import type { JobResults as Opened } from '../compute/actions/results';
import { checkAlgorithm } from '../compute/algorithm';
import { ComputeJobError, ResultsError } from '../compute/errors';
import type { ComputePort, RequestedJob } from '../compute/port';
import type { DerivationPort } from '../lineage/derivation';
import type { PublishPort } from '../market/port';
import type { JobView } from '../compute/api';
import type { PublicSessionView } from '../compute/provider/federated/session';
import type { Job } from '../compute/settlement';
import { generateResultKey, openResultsKey, type ResultFile, type ResultKey } from '../compute/results';
import { formatAmount } from '../units';
import type { ClientConfig } from './config';
import { browserPort } from './port';
import { fromGateway } from './streams';
import { signer, type BrowserWallet } from './wallet';

export { ComputeJobError } from '../compute/errors';
export { quoteJob, type JobChoice, type JobQuote } from '../compute/buyer/quote';
export type { EscrowSplit } from '../compute/actions/results';

/** A job this browser requested (IndexedDB keeps it under `chainId:computeMarket:jobId`). */
export type LocalJob = RequestedJob<ResultKey>;

/** An amount of the market's stablecoin for people: "1,015.25 dUSD". */
export const amountOf = (config: Pick<ClientConfig, 'stablecoin'>, amount: bigint): string => formatAmount(amount, config.stablecoin);

/** The file's name and bytes, as the compute flows take an algorithm (its runtime and size checked first). */
export async function algorithmFile(file: File): Promise<{ name: string; content: Uint8Array }> {
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

/** A job as the store holds it: under its market's key, so that one browser keeps the jobs of several markets apart. */
type StoredJob = LocalJob & { key: string };

async function saveJob(config: ClientConfig, job: LocalJob): Promise<void> {
  await stored('readwrite', (jobs) => jobs.put({ ...job, key: `${marketKey(config)}${job.jobId}` } satisfies StoredJob));
}

/** The jobs this browser requested on this market, newest first. */
export async function localJobs(config: ClientConfig): Promise<LocalJob[]> {
  const all = await stored('readonly', (jobs) => jobs.getAll() as IDBRequest<StoredJob[]>);
  return all.filter((job) => job.key.startsWith(marketKey(config))).sort((a, b) => b.requestedAt - a.requestedAt);
}

// ------------------------------------------------------------------------------------------ the port

/** The compute port over the wallet: keys made and kept in this browser, results read through the web app's gateway. */
export function computePort(wallet: BrowserWallet): ComputePort<ResultKey> {
  return {
    ...browserPort(wallet),
    signer: signer(wallet),
    newResultKey: generateResultKey,
    keepJob: (job) => saveJob(wallet.config, job),
    openResultsKey,
    ciphertext: (cid) => fromGateway(cid, (message, hint) => new ResultsError(message, hint)),
  };
}

export interface Watcher<V> {
  status(view: V): void;
  /** The stream broke (the node restarting, the network): it reconnects by itself. */
  reconnecting(): void;
  /** The node refused the stream, or the job can no longer run: the reason. */
  failed(error: unknown): void;
}

/** A job whose results the page opened and checked against the receipt and the chain. */
export interface OpenedJob {
  jobId: bigint;
  job: Job;
  results: JobResults;
}

/**
 * The publish port over the wallet for a derivative of `opened` (a job, or each job of a federated training): the
 * derivation proves the published file against their results, and no other job's.
 */
export function derivativePort(wallet: BrowserWallet, opened: readonly OpenedJob[]): PublishPort & DerivationPort {
  return {
    ...browserPort(wallet),
    async computeJob(jobId) {
      const found = opened.find((o) => o.jobId === jobId);
      if (!found) throw new ComputeJobError(`this page opened the results of job ${opened.map((o) => o.jobId).join(', ')}, not of job ${jobId}`, 'publish the file from the results of the job that made it');
      return { job: found.job, open: async () => ({ receipt: found.results.receipt, outputs: found.results.outputs }) };
    },
  };
}

/** Runs a follow flow for an effect, its failure told unless it was stopped: returns a function that stops it. */
function watching(follow: (signal: AbortSignal) => Promise<unknown>, failed: (error: unknown) => void): () => void {
  const stop = new AbortController();
  follow(stop.signal).catch((error: unknown) => {
    if (!stop.signal.aborted) failed(error);
  });
  return () => stop.abort();
}

/** Follows the job at its node until it is final (lib/compute/actions/follow.ts), for an effect: returns a function that stops. */
export function watchJob(wallet: Pick<BrowserWallet, 'publicClient'>, job: LocalJob, watcher: Watcher<JobView>): () => void {
  return watching((signal) => followJob(wallet, job, watcher, signal), watcher.failed);
}

/** Follows a federated job's session at its node until it ends, as {@link watchJob} a job. */
export function watchSession(wallet: Pick<BrowserWallet, 'publicClient'>, job: LocalJob, watcher: Watcher<PublicSessionView>): () => void {
  return watching((signal) => followSession(wallet, job, watcher, signal), watcher.failed);
}

/** A released file, decrypted in the page and checked against the manifest. */
export interface ReleasedFile extends ResultFile {
  blob: Blob;
}

export type JobResults = Opened<ReleasedFile>;

/** The results sink of the page: each released file held as a Blob. */
export async function resultsInMemory(_: string, file: ResultFile, plaintext: AsyncIterable<Uint8Array>): Promise<ReleasedFile> {
  const parts: Uint8Array[] = [];
  for await (const part of plaintext) parts.push(part);
  return { path: file.path, size: file.size, sha256: file.sha256, blob: new Blob(parts as BlobPart[]) };
}
