/**
 * The embedded IPFS node: a Helia light node (no libp2p, never dials anyone) over a filesystem blockstore and
 * datastore. It imports files with Kubo's settings so its CIDs equal Kubo's; `node.ts` serves it over the
 * Kubo RPC API. Helia and its stores are ESM-only, hence the dynamic imports.
 */
import '../polyfills';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { Helia, Pin } from 'helia';
import type { UnixFS } from '@helia/unixfs';
import type { FsBlockstore } from 'blockstore-fs';
import type { FsDatastore } from 'datastore-fs';
import type { ContentStat, ContentStore } from './types';
import { ContentNotFoundError, describeFailure, InvalidRangeError, UploadAbortedError } from './errors';
import { concatBytes, countBytes } from './bytes';
import { dagJsonBlockCid, isUnixFs, KUBO_CHUNK_SIZE, parseCid, type CID } from './ipld';
import { leafSkippingWalker } from './walker';
import { loadEsm } from '../esm';

/** How a node imports a file: Kubo's `--cid-version=1` settings unless a Kubo RPC caller asks for CIDv0. */
export interface ImportFormat {
  cidVersion: 0 | 1;
  /** Leaves as raw blocks (Kubo's default with CIDv1) instead of dag-pb wrapped ones. */
  rawLeaves: boolean;
}

const KUBO_CIDV1: ImportFormat = { cidVersion: 1, rawLeaves: true };

export interface AddOptions {
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  format?: ImportFormat;
  /** Pin the file (default true, as Kubo's `add`). */
  pin?: boolean;
}

export interface AddResult {
  cid: string;
  /** File size in bytes. */
  size: number;
  /** Size of the whole DAG (file bytes plus dag-pb nodes): what Kubo's `add` reports as Size. */
  dagSize: number;
}

export type PinType = 'recursive' | 'direct' | 'indirect';

/** The node's identity, generated once and kept in the datastore (the keychain's `self` key). */
export interface NodeIdentity {
  peerId: string;
  /** Protobuf-encoded public key, as Kubo's `id` reports it (base64 there). */
  publicKey: Uint8Array;
}

const SELF_KEY = 'self';
/** Bytes of a file read per exporter call (16 chunks): the most a slow reader makes the node hold. */
const READ_WINDOW = 16 * KUBO_CHUNK_SIZE;
/** Names of the errors Helia and its stores throw for a block this offline node does not have. */
const NOT_FOUND = new Set(['BlockNotFoundWhileOfflineError', 'NotFoundError']);

function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has(describeFailure(error).name);
}

/** Rethrows Helia's not-found errors as ContentNotFoundError. */
function notFoundAs(cid: string, error: unknown): never {
  throw isNotFound(error) ? new ContentNotFoundError(cid, error) : error;
}

/**
 * @helia/unixfs hands CIDs to ipfs-unixfs-exporter, which only accepts an instance of its own copy of
 * multiformats (an identity check) or a string it parses itself. npm keeps several copies in this tree, so
 * give it the string.
 */
function exporterCid(cid: CID): CID {
  return cid.toString() as unknown as CID;
}

/** The embedded IPFS node; open with `HeliaNode.open(dir)`. */
export class HeliaNode implements Omit<ContentStore, 'apiUrl'> {
  private constructor(
    private readonly helia: Helia,
    private readonly fs: UnixFS,
    private readonly stores: { blockstore: FsBlockstore; datastore: FsDatastore },
    readonly dir: string,
    readonly identity: NodeIdentity,
  ) {}

  /** Opens (creating if needed) the node whose blocks and pins live under `dir`. */
  static async open(dir: string): Promise<HeliaNode> {
    const { createHeliaLight } = await loadEsm('helia', () => import('helia'));
    const { unixfs } = await loadEsm('@helia/unixfs', () => import('@helia/unixfs'));
    const { FsBlockstore } = await loadEsm('blockstore-fs', () => import('blockstore-fs'));
    const { FsDatastore } = await loadEsm('datastore-fs', () => import('datastore-fs'));
    const dagJson = await loadEsm('@ipld/dag-json', () => import('@ipld/dag-json'));
    const blockstore = new FsBlockstore(path.join(dir, 'blocks'));
    const datastore = new FsDatastore(path.join(dir, 'datastore'));
    await blockstore.open();
    await datastore.open();
    try {
      // A light node has no libp2p and no block brokers: it serves what it stores and never dials out.
      const helia = createHeliaLight({ blockstore, datastore, codecs: [dagJson] });
      await helia.start();
      const identity = await loadIdentity(helia);
      return new HeliaNode(helia, unixfs(helia), { blockstore, datastore }, dir, identity);
    } catch (error) {
      await Promise.all([blockstore.close(), datastore.close()]);
      throw error;
    }
  }

  /** Helia's version, for `version` and health. */
  get version(): string {
    return this.helia.info.version;
  }

  /**
   * Imports a byte stream as a UnixFS file (Kubo's CIDv1 settings by default) and pins it. Memory stays
   * constant: chunks are hashed and written as they arrive.
   */
  async add(source: AsyncIterable<Uint8Array> | Uint8Array, options: AddOptions = {}): Promise<AddResult> {
    const { cidVersion, rawLeaves } = options.format ?? KUBO_CIDV1;
    let size = 0;
    const content = countBytes(
      source,
      (total) => {
        size = total;
        options.onProgress?.(total);
      },
      options.signal,
    );
    let imported;
    try {
      for await (const entry of this.fs.addAll([{ content }], {
        // The importer's 2015 profile is Kubo's layout: 262144-byte chunks, balanced DAG, 174 links per node.
        // @helia/unixfs passes its own chunker and layout (1 MiB, 1024 links) unless they are cleared.
        profile: 'unixfs-v0-2015',
        chunker: undefined,
        layout: undefined,
        cidVersion,
        rawLeaves,
        // No signal here: the importer would abort block writes half way through. countBytes stops the
        // source instead, and the checks below keep an aborted upload from being pinned.
      })) {
        imported = entry;
      }
    } catch (error) {
      if (options.signal?.aborted) throw new UploadAbortedError(options.signal.reason);
      throw error;
    }
    if (!imported || options.signal?.aborted) throw new UploadAbortedError(options.signal?.reason);
    const cid = imported.cid.toString();
    if (options.pin !== false) await this.pin(cid);
    return { cid, size, dagSize: Number(imported.size) };
  }

  /**
   * Reads a file, or `length` bytes of it from `offset`, a window at a time: the exporter reads a whole
   * requested range into a queue regardless of how fast it is consumed, so asking for one bounded window
   * after another is what keeps memory flat when the reader is slow (a download over a slow network).
   */
  async *cat(cid: string, options: { offset?: number; length?: number; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    const parsed = await parseCid(cid);
    const { offset = 0, length } = options;
    for (const [name, value] of [['offset', offset], ['length', length]] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new InvalidRangeError(cid, `${name} ${value} is not a non-negative integer`);
    }
    // The exporter listens on the signal once per block in flight, often more than Node's default warning
    // threshold of 10: give it a signal of its own with no such limit.
    const signal = options.signal && AbortSignal.any([options.signal]);
    if (signal) setMaxListeners(0, signal);
    let position = offset;
    let remaining = length ?? Infinity;
    while (remaining > 0) {
      const wanted = Math.min(READ_WINDOW, remaining);
      let read = 0;
      try {
        for await (const chunk of this.fs.cat(exporterCid(parsed), { offset: position, length: wanted, signal, offline: true })) {
          read += chunk.byteLength;
          yield chunk;
        }
      } catch (error) {
        // The exporter's way of saying the offset is past the end of the file.
        const { name, message } = describeFailure(error);
        if (name === 'InvalidParametersError') throw new InvalidRangeError(cid, message, error);
        notFoundAs(cid, error);
      }
      if (read < wanted) return;
      position += read;
      remaining -= read;
    }
  }

  /** File size (block size for a non-UnixFS block) and whether it is pinned. */
  async stat(cid: string): Promise<ContentStat> {
    const parsed = await parseCid(cid);
    try {
      const size = isUnixFs(parsed)
        ? Number((await this.fs.stat(exporterCid(parsed), { offline: true })).size)
        : (await this.readBlock(parsed)).byteLength;
      return { cid, size, pinned: await this.helia.pins.isPinned(parsed) };
    } catch (error) {
      notFoundAs(cid, error);
    }
  }

  /** Pins `cid` and every block below it (`recursive: false`: the root block only). Pinning twice is a no-op. */
  async pin(cid: string, options: { recursive?: boolean } = {}): Promise<void> {
    const parsed = await parseCid(cid);
    if (await this.pinType(cid)) return;
    try {
      for await (const _block of this.helia.pins.add(parsed, { depth: options.recursive === false ? 0 : Infinity, walker: leafSkippingWalker })) {
        // the generator pins as it walks: drain it
      }
    } catch (error) {
      notFoundAs(cid, error);
    }
  }

  /** Removes the pin on `cid`; content that is not pinned is left as it is. */
  async unpin(cid: string): Promise<void> {
    const parsed = await parseCid(cid);
    if (!(await this.rootPin(parsed))) return;
    for await (const _block of this.helia.pins.rm(parsed, { walker: leafSkippingWalker })) {
      // the generator unpins as it walks: drain it
    }
  }

  /** How `cid` is pinned: by its own pin (recursive or direct), through a pinned parent, or not at all. */
  async pinType(cid: string): Promise<PinType | undefined> {
    const parsed = await parseCid(cid);
    const pin = await this.rootPin(parsed);
    if (pin) return pin.depth === 0 ? 'direct' : 'recursive';
    return (await this.helia.pins.isPinned(parsed)) ? 'indirect' : undefined;
  }

  /** Every pin set on the node (roots only, as Kubo's `pin ls --type=recursive,direct`). */
  async *pins(): AsyncIterable<{ cid: string; type: PinType }> {
    for await (const pin of this.helia.pins.ls()) yield { cid: pin.cid.toString(), type: pin.depth === 0 ? 'direct' : 'recursive' };
  }

  /** Stores one DAG-JSON block and pins it (the block itself: the content it links to has pins of its own). */
  async putBlock(bytes: Uint8Array, _codec: 'dag-json', options: { pin?: boolean } = {}): Promise<string> {
    const cid = await dagJsonBlockCid(bytes);
    await this.helia.blockstore.put(cid, bytes);
    if (options.pin !== false) await this.pin(cid.toString(), { recursive: false });
    return cid.toString();
  }

  /** The bytes of one block. */
  async getBlock(cid: string): Promise<Uint8Array> {
    const parsed = await parseCid(cid);
    try {
      return await this.readBlock(parsed);
    } catch (error) {
      notFoundAs(cid, error);
    }
  }

  /** What the node reports about itself. */
  async health(): Promise<Record<string, unknown>> {
    return { adapter: 'helia', dir: this.dir, peerId: this.identity.peerId, version: this.version, status: this.helia.status };
  }

  async close(): Promise<void> {
    await this.helia.stop();
    await Promise.all([this.stores.blockstore.close(), this.stores.datastore.close()]);
  }

  /** The pin set on `cid` itself, if any. */
  private async rootPin(cid: CID): Promise<Pin | undefined> {
    try {
      return await this.helia.pins.get(cid);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private readBlock(cid: CID): Promise<Uint8Array> {
    return concatBytes(this.helia.blockstore.get(cid, { offline: true }));
  }
}

async function loadIdentity(helia: Helia): Promise<NodeIdentity> {
  let key;
  try {
    key = await helia.keychain.exportKey(SELF_KEY);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    key = await helia.keychain.generateKey(SELF_KEY, { type: 'Ed25519' });
  }
  return { peerId: key.publicKey.toString(), publicKey: key.publicKey.toProtobuf() };
}
