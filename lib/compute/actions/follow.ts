/**
 * Following a job at its provider's node, for the CLI and the browser alike: its public status by Server-Sent
 * Events until it is final — a compute job's in the node's queue, or a federated job's session (its rounds). When
 * the stream breaks (the node restarting, the network) it reconnects each second, unless the chain says the job can
 * no longer run: cancelled, refunded, or past its deadline unsettled.
 */
import type { Address, Chain, PublicClient, Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import { providerFetch } from '../auth';
import { FINAL_STATUSES, type PublicJobView } from '../api';
import { ComputeJobError, ProviderRequestError } from '../errors';
import { JobStatus } from '../settlement';
import type { RequestedJob } from '../port';
import type { PublicSessionView, SessionStatus } from '../provider/federated/session';

export interface Watch<V> {
  status(view: V): void;
  /** The stream broke: reconnecting. */
  reconnecting?(): void;
}

export type JobWatch = Watch<PublicJobView>;

type Reader = { publicClient: PublicClient<Transport, Chain> };
type FollowedJob = Pick<RequestedJob, 'jobId' | 'endpoint' | 'computeMarket' | 'job'>;

/** A session's statuses after which its node's stream ends. */
const SESSION_ENDS: readonly SessionStatus[] = ['finished', 'failed', 'closed'];

/** A job's status (JobStatus) on the market it was paid on. */
export function readJobStatus(client: PublicClient<Transport, Chain>, computeMarket: Address, jobId: bigint): Promise<number> {
  return client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'jobStatus', args: [jobId] });
}

/** Waits between reconnections to a node that stopped answering. */
const RECONNECT_MS = 1_000;

/** The job's final public status; ProviderRequestError when the node refuses to stream it (it does not know the job). */
export function followJob(reader: Reader, job: FollowedJob, watch: JobWatch, signal?: AbortSignal): Promise<PublicJobView> {
  return follow(reader, job, `/api/v1/jobs/${job.jobId}/events`, (view: PublicJobView) => FINAL_STATUSES.includes(view.status), watch, signal);
}

/**
 * A federated job's session at its node (its rounds: counts, bytes, ε, times, never a value) until it is finished,
 * failed or closed; ProviderRequestError when the node has no such session.
 */
export function followSession(reader: Reader, job: FollowedJob, watch: Watch<PublicSessionView>, signal?: AbortSignal): Promise<PublicSessionView> {
  return follow(reader, job, `/api/v1/federated/${job.jobId}/events`, (view: PublicSessionView) => SESSION_ENDS.includes(view.status), watch, signal);
}

async function follow<V>(reader: Reader, job: FollowedJob, route: string, final: (view: V) => boolean, watch: Watch<V>, signal?: AbortSignal): Promise<V> {
  for (;;) {
    let last: V | undefined;
    try {
      const response = await providerFetch(job.endpoint, route, { headers: { accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
      for await (const view of events<V>(response)) {
        last = view;
        watch.status(view);
      }
    } catch (error) {
      if (signal?.aborted || (error instanceof ProviderRequestError && error.status >= 400 && error.status < 500)) throw error;
    }
    if (last && final(last)) return last;
    const [status, block] = await Promise.all([
      readJobStatus(reader.publicClient, job.computeMarket, job.jobId),
      reader.publicClient.getBlock(),
    ]);
    if (status === JobStatus.Cancelled || status === JobStatus.Refunded) throw new ComputeJobError(`job ${job.jobId} was ${status === JobStatus.Cancelled ? 'cancelled' : 'refunded'} on-chain`, 'request a new job');
    if (status !== JobStatus.Settled && block.timestamp > job.job.deadline) {
      throw new ComputeJobError(`job ${job.jobId} passed its deadline unsettled and its node does not answer`, `take the whole escrow back: refund the job (\`datagora job ${job.jobId} --refund\`)`);
    }
    watch.reconnecting?.();
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

/** The `status` events of a Server-Sent Events response, as they arrive. */
async function* events<V>(response: Response): AsyncGenerator<V> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let buffer = '';
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      buffer += decoder.decode(read.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) yield JSON.parse(data.slice(6)) as V;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
