/** The content store's interface, kept apart from the factory in ./index so that the adapters import it without a circle. */

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
