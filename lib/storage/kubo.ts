/**
 * The one ContentStore implementation: a Kubo RPC API client. It talks to the embedded Helia node
 * (./node) by default and to any Kubo node when DATAGORA_IPFS_API points elsewhere. kubo-rpc-client is
 * ESM-only, hence the dynamic import.
 */
import type { KuboRPCClient } from 'kubo-rpc-client';
import type { StorageConfig } from '../config';
import { DatagoraError } from '../errors';
import type { ContentStat, ContentStore } from './types';
import { countBytes } from './bytes';
import { streamAdd } from './upload';
import { ContentNotFoundError, describeFailure, StorageRequestError, StorageUnavailableError } from './errors';
import { dagJsonBlockCid, isUnixFs, parseCid, type CID } from './ipld';
import { loadEsm } from '../esm';

export interface KuboStoreOptions {
  /** Which configuration this API belongs to, for health. */
  adapter: StorageConfig['adapter'];
  /**
   * How long a networked Kubo may search for a block before the content counts as missing (a node only
   * answers "not found" when offline). Applies to stat, getBlock and the existence check before cat and pin.
   */
  lookupTimeoutMs?: number;
}

const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;
/** What Kubo, js-ipfs and our node say when content is not there. */
const NOT_FOUND = /not found|could not find|no link named|does not exist/i;
const NOT_PINNED = /not pinned/i;

/** A ContentStore over the Kubo RPC API at `apiUrl`. */
export class KuboStore implements ContentStore {
  private readonly lookupTimeoutMs: number;
  private client?: Promise<KuboRPCClient>;

  private constructor(
    readonly apiUrl: string,
    private readonly options: KuboStoreOptions,
  ) {
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  }

  /** A client for the API at `apiUrl`; nothing is sent until the first call. */
  static async connect(apiUrl: string, options: KuboStoreOptions): Promise<KuboStore> {
    return new KuboStore(apiUrl, options);
  }

  /** The RPC client, loaded on first use: a market that only reads the chain (datagora providers) never loads it. */
  private api(): Promise<KuboRPCClient> {
    this.client ??= loadEsm('kubo-rpc-client', () => import('kubo-rpc-client')).then(({ create }) => create({ url: this.apiUrl }));
    return this.client;
  }

  async add(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options: { onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ cid: string; size: number }> {
    let size = 0;
    const { onProgress } = options;
    const content = countBytes(source, (total) => {
      size = total;
      onProgress?.(total);
    }, options.signal);
    // Streamed with node:http rather than kubo-rpc-client's fetch, which buffers whole uploads (upload.ts).
    const written = await streamAdd(this.apiUrl, content, options.signal);
    // Nodes may answer in another base (js-ipfs: base58btc); the market names CIDv1 in base32 like Kubo.
    return { cid: (await parseCid(written)).toString(), size };
  }

  async *cat(cid: string, options: { offset?: number; length?: number; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    const parsed = await this.lookup(cid);
    try {
      yield* (await this.api()).cat(parsed.toString(), { offset: options.offset, length: options.length, signal: options.signal });
    } catch (error) {
      throw this.failure(error, 'cat', cid);
    }
  }

  async stat(cid: string): Promise<ContentStat> {
    const parsed = await parseCid(cid);
    const timeout = this.lookupTimeoutMs;
    try {
      // files/stat reports a UnixFS file's size; other blocks (DAG-JSON) have only their block size.
      const size = isUnixFs(parsed) ? (await (await this.api()).files.stat(`/ipfs/${cid}`, { timeout })).size : (await (await this.api()).block.stat(parsed, { timeout })).size;
      return { cid, size, pinned: await this.isPinned(parsed) };
    } catch (error) {
      throw this.failure(error, 'stat', cid);
    }
  }

  async pin(cid: string): Promise<void> {
    const parsed = await this.lookup(cid);
    try {
      await (await this.api()).pin.add(parsed.toString());
    } catch (error) {
      throw this.failure(error, 'pin', cid);
    }
  }

  /** Removes the pin; content that is not pinned is left as it is. */
  async unpin(cid: string): Promise<void> {
    const parsed = await parseCid(cid);
    try {
      await (await this.api()).pin.rm(parsed.toString());
    } catch (error) {
      if (NOT_PINNED.test(describeFailure(error).message)) return;
      throw this.failure(error, 'unpin', cid);
    }
  }

  async putBlock(bytes: Uint8Array, codec: 'dag-json'): Promise<string> {
    const expected = await dagJsonBlockCid(bytes);
    let stored: { toString(): string };
    try {
      // `format` is the option Kubo and js-ipfs both read (Kubo also knows the newer `cid-codec`).
      stored = await (await this.api()).block.put(bytes, { format: codec, mhtype: 'sha2-256', version: 1, pin: true });
    } catch (error) {
      throw this.failure(error, 'putBlock');
    }
    if (stored.toString() !== expected.toString()) {
      throw new StorageRequestError(this.apiUrl, 'putBlock', `it stored the block as ${stored.toString()}, expected ${expected.toString()}`);
    }
    return expected.toString();
  }

  async getBlock(cid: string): Promise<Uint8Array> {
    const parsed = await parseCid(cid);
    try {
      return await (await this.api()).block.get(parsed, { timeout: this.lookupTimeoutMs });
    } catch (error) {
      throw this.failure(error, 'getBlock', cid);
    }
  }

  async health(): Promise<Record<string, unknown>> {
    try {
      const client = await this.api();
      const [id, version] = await Promise.all([client.id(), client.version()]);
      return { adapter: this.options.adapter, apiUrl: this.apiUrl, version: version.version, agent: id.agentVersion, peerId: id.id.toString() };
    } catch (error) {
      throw this.failure(error, 'id');
    }
  }

  /** Nothing to release: requests share fetch's connection pool. */
  async close(): Promise<void> {}

  /** Parses `cid` and checks the node has its root block, so a missing CID fails fast instead of hanging. */
  private async lookup(cid: string): Promise<CID> {
    const parsed = await parseCid(cid);
    try {
      await (await this.api()).block.stat(parsed, { timeout: this.lookupTimeoutMs });
      return parsed;
    } catch (error) {
      throw this.failure(error, 'stat', cid);
    }
  }

  private async isPinned(cid: CID): Promise<boolean> {
    try {
      for await (const _pin of (await this.api()).pin.ls({ paths: cid.toString() })) return true;
      return false;
    } catch (error) {
      if (NOT_PINNED.test(describeFailure(error).message)) return false;
      throw error;
    }
  }

  /** The typed error for a failed request: unreachable node, missing content, or the node's own message. */
  private failure(error: unknown, operation: string, cid?: string): unknown {
    if (error instanceof DatagoraError) return error;
    const { name, message, status } = describeFailure(error);
    // The caller's own signal: let the AbortError through, as fetch does.
    if (name === 'AbortError') return error;
    // fetch() itself failed: nothing listens there, or the connection broke.
    if (name === 'TypeError' && status === undefined) return new StorageUnavailableError(this.apiUrl, error);
    // A networked node that searched until the lookup timeout did not find the content either.
    const missing = status === 404 || NOT_FOUND.test(message) || name === 'TimeoutError';
    if (cid && missing) return new ContentNotFoundError(cid, error);
    return new StorageRequestError(this.apiUrl, operation, message, error);
  }
}
