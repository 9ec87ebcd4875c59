/**
 * The port the buyer's compute flows act through (./actions): the market's port (the chain as the buyer acts on
 * it) plus what differs between hosts — where a job's result key is made and kept, how the results key is
 * opened, and where encrypted results are read from. The CLI's adapter keeps keys in files under DATAGORA_HOME
 * (buyer/client.ts); the browser's keeps non-extractable WebCrypto keys in IndexedDB (lib/client/compute.ts).
 */
import type { Address, Hex } from 'viem';
import type { MessageSigner } from '../access/siwe';
import type { AnchoredDocument, MarketPort } from '../market/port';
import type { WrappedKey } from './results';
import type { Job } from './settlement';

/** A job's result key as a host holds it: the public half goes to the node, the private half never leaves. */
export interface HeldResultKey {
  /** Raw X25519 public key, base64url. */
  publicKey: string;
}

/** One job of a run as ComputeMarket emitted it (JobRequested). */
export interface LinkedJob {
  jobId: bigint;
  job: Job;
  escrow: bigint;
}

/**
 * A job the buyer requested: everything needed to follow it and open its results later. A job over several datasets
 * is a run of linked jobs, one per dataset: it is followed, opened and sent under its first job, and keeps the others
 * so that cancelling or refunding it reclaims every job's escrow.
 */
export interface RequestedJob<K extends HeldResultKey = HeldResultKey> {
  /** The job, or a run's first job. */
  jobId: bigint;
  chainId: number;
  computeMarket: Address;
  job: Job;
  /** What the request escrowed: a run's for all of its jobs. */
  escrow: bigint;
  /** A run's other jobs, in order; absent or empty for a job on one dataset. */
  linked?: LinkedJob[];
  txHash: Hex;
  /** The provider node's API. */
  endpoint: string;
  /** The algorithm's file name and the parameters sent with it. */
  algorithm: string;
  params: unknown;
  resultKey: K;
  requestedAt: number;
  /** The node acknowledged the algorithm; false while it still has to be sent. */
  submitted: boolean;
}

export interface ComputePort<K extends HeldResultKey = HeldResultKey> extends MarketPort {
  /** Signs the buyer's sign-ins to provider nodes. */
  readonly signer: MessageSigner;
  /** Dataset `id`'s current document (the columns parameters may name). */
  anchored(id: bigint): Promise<AnchoredDocument>;
  /** A fresh result key for one job. */
  newResultKey(): Promise<K>;
  /** Keeps `job` and its key on this host (before its algorithm is sent, and again once it is). */
  keepJob(job: RequestedJob<K>): Promise<void>;
  /** The job's results key, unwrapped with the private half of `key`. */
  openResultsKey(wrapped: WrappedKey, key: K): Promise<Uint8Array>;
  /** Encrypted results stored as `cid`. */
  ciphertext(cid: string): AsyncIterable<Uint8Array>;
}
