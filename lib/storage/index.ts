/**
 * Content storage: files and DAG-JSON blocks on IPFS. Every client speaks the Kubo RPC API (`KuboStore`),
 * to the embedded Helia node that `npm start` runs (`startStorageNode` in ./node) or to a Kubo node at
 * DATAGORA_IPFS_API; the configuration only decides whether our node is started.
 * The embedded node itself (./helia, ./node) is not re-exported here, so importing the client (the web app
 * does) never loads Helia.
 */
import type { StorageConfig } from '../config';
import { KuboStore } from './kubo';

export interface ContentStat {
  cid: string;
  /** File size in bytes (block size for a DAG-JSON block). */
  size: number;
  pinned: boolean;
}

export interface ContentStore {
  readonly apiUrl: string;
  /**
   * Adds a byte stream as a UnixFS file with Kubo's CIDv1 import settings (cidVersion 1, rawLeaves true,
   * fixed 262144-byte chunks, balanced layout, 174 children) and pins it. Constant memory for any size.
   * `size` is the file size in bytes; `onProgress` receives the bytes uploaded so far.
   */
  add(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options?: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<{ cid: string; size: number }>;
  /** Streams a file, or `length` bytes of it from `offset`. */
  cat(cid: string, options?: { offset?: number; length?: number; signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  stat(cid: string): Promise<ContentStat>;
  /** Pins content already on the node; pinning twice is a no-op. */
  pin(cid: string): Promise<void>;
  /** Removes a pin; unpinning content that is not pinned is a no-op. */
  unpin(cid: string): Promise<void>;
  /** Stores one DAG-JSON block (CIDv1, sha2-256), pinned; returns its CID. */
  putBlock(bytes: Uint8Array, codec: 'dag-json'): Promise<string>;
  getBlock(cid: string): Promise<Uint8Array>;
  /** What the node reports about itself for /api/health (adapter kind, api url, version, peer id, …); throws when unreachable. */
  health(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The content store the configuration selects: a Kubo RPC client for its API URL. Nothing is sent yet. */
export function openStore(config: StorageConfig): Promise<ContentStore> {
  return KuboStore.connect(config.apiUrl, { adapter: config.adapter });
}

export { KuboStore, type KuboStoreOptions } from './kubo';
export * from './errors';
