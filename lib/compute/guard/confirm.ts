/**
 * Measuring shared runs against the raw file. A fingerprint hit only says that one k-gram (24 bytes) is
 * shared; a category name next to a number can do that by chance. A run of SHINGLE_BYTES (L) through that
 * k-gram exists exactly when one of the ≤ L − K + 1 windows of L bytes overlapping it, in the output, also
 * occurs in the raw data. So each candidate becomes the keys of those windows, and one sequential pass over
 * the raw file rolls an L-byte hash at every position and looks it up: a look-up per raw byte, whatever the
 * outputs hold (no comparison per pair of places, which a common k-gram would make quadratic).
 *
 * Raw windows starting in the header line do not count: a run counts when it has L bytes past the header.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LeakIndexError } from '../errors';
import { Bitmap, key53, KeyList, SortedKeys, sortUnique, TWO32 } from './hash';
import type { LeakIndexParts } from './leak-index';
import { KGRAM_BYTES, SHINGLE_BYTES } from './winnow';

const L = SHINGLE_BYTES;

/** A polynomial rolling hash over L bytes (mod 2^32, bytes through random words), two of them for 53 bits. */
function words(seed: number): Int32Array {
  const out = new Int32Array(256);
  let state = seed >>> 0;
  for (let i = 0; i < 256; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    out[i] = state ^ (state >>> 13);
  }
  return out;
}
const T1 = words(0x5eed0003);
const T2 = words(0x5eed0004);
const B1 = 0x9e3779b1 | 0;
const B2 = 0x85ebca77 | 0;
const power = (base: number) => {
  let result = 1;
  for (let i = 0; i < L; i++) result = Math.imul(result, base);
  return result;
};
const BL1 = power(B1);
const BL2 = power(B2);

/** Keys of the L-byte windows of `bytes` starting at `from` … `to` (inclusive; each must fit in `bytes`). */
export function windowKeys(bytes: Uint8Array, from: number, to: number): Float64Array {
  const keys = new Float64Array(Math.max(0, to - from + 1));
  if (keys.length === 0) return keys;
  let h1 = 0;
  let h2 = 0;
  for (let i = from; i < from + L; i++) {
    h1 = (Math.imul(h1, B1) + T1[bytes[i]!]!) | 0;
    h2 = (Math.imul(h2, B2) + T2[bytes[i]!]!) | 0;
  }
  for (let s = from; ; s++) {
    keys[s - from] = key53(h1 >>> 0, h2 >>> 0);
    if (s === to) return keys;
    const leaving = bytes[s]!;
    const entering = bytes[s + L]!;
    h1 = (Math.imul(h1, B1) + T1[entering]! - Math.imul(T1[leaving]!, BL1)) | 0;
    h2 = (Math.imul(h2, B2) + T2[entering]! - Math.imul(T2[leaving]!, BL2)) | 0;
  }
}

/** The window keys of a fingerprint at `offset` of a CR-less `stream`: every L-byte window overlapping it. */
export function candidateWindows(stream: Uint8Array, offset: number): Float64Array {
  return windowKeys(stream, Math.max(0, offset + KGRAM_BYTES - L), Math.min(offset, stream.length - L));
}

/** The subset of `wanted` window keys that occur in the raw file past its header (one pass). */
export async function matchWindows(index: LeakIndexParts, wanted: Float64Array): Promise<Set<number>> {
  const matched = new Set<number>();
  const sorted = new SortedKeys(sortUnique(wanted.slice()));
  if (sorted.length === 0) return matched;
  const filter = new Bitmap(sorted.length);
  for (const key of sorted.keys) filter.add(key % TWO32);

  const { path, size, mtimeMs } = index.source;
  const now = await stat(path).catch((error: unknown) => {
    throw new LeakIndexError(path, error);
  });
  if (now.size !== size || now.mtimeMs !== mtimeMs) throw new LeakIndexError(path, new Error('the file changed after it was indexed'));

  const [t1, t2, b1, b2, bl1, headerEnd] = [T1, T2, B1, B2, BL1, index.headerEnd];
  const ring = new Uint8Array(L);
  let h1 = 0;
  /** CR-less bytes fed so far, and the ring slot of the byte leaving next. */
  let fed = 0;
  let slot = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === 13) continue;
        h1 = (Math.imul(h1, b1) + t1[byte]!) | 0;
        if (fed >= L) h1 = (h1 - Math.imul(t1[ring[slot]!]!, bl1)) | 0;
        ring[slot] = byte;
        if (++slot === L) slot = 0;
        fed++;
        // The window now ends at `fed`: it counts when it starts past the header. The second hash is only
        // worked out (from the ring, oldest byte first) when the first passes the filter.
        if (fed >= L && fed - L >= headerEnd && filter.has(h1)) {
          let h2 = 0;
          for (let j = 0, at = slot; j < L; j++, at = at + 1 === L ? 0 : at + 1) h2 = (Math.imul(h2, b2) + t2[ring[at]!]!) | 0;
          const key = key53(h1 >>> 0, h2 >>> 0);
          if (sorted.has(key)) matched.add(key);
        }
      }
    }
  } catch (error) {
    throw new LeakIndexError(path, error);
  }
  return matched;
}

/** Window keys measured in one pass over the raw file (~20 bytes each while batched). */
const BATCH_KEYS = 2_000_000;
/** Passes over the raw file one inspection may make; later candidates leave their layer refused unmeasured. */
const MAX_PASSES = 16;

/**
 * Batches candidates from all layers of an inspection and measures a batch when it fills (one raw pass
 * each), so memory stays bounded whatever the outputs hold.
 */
export class RunMeasurer {
  private keys = new KeyList();
  private owners: { group: number; offset: number; from: number; to: number }[] = [];
  private readonly runs = new Map<number, number>();
  private readonly closed = new Set<number>();
  private readonly unmeasured = new Set<number>();
  private groups = 0;
  private passes = 0;

  constructor(private readonly index: LeakIndexParts) {}

  /** A new group, for one scanned layer. */
  open(): number {
    return this.groups++;
  }

  /** The group is decided otherwise (refused by another rule): drop its candidates. */
  close(group: number): void {
    this.closed.add(group);
  }

  /** Queues the windows of a fingerprint found at `offset` of the group's layer. */
  add(group: number, offset: number, windows: Float64Array): void {
    if (windows.length === 0 || this.closed.has(group) || this.runs.has(group)) return;
    if (this.passes >= MAX_PASSES) {
      this.unmeasured.add(group);
      return;
    }
    const from = this.keys.length;
    for (const key of windows) this.keys.push(key);
    this.owners.push({ group, offset, from, to: this.keys.length });
  }

  /** Measures the batch if it is full. */
  async flushIfFull(): Promise<void> {
    if (this.keys.length >= BATCH_KEYS) await this.flush();
  }

  /** Measures what is batched. */
  async flush(): Promise<void> {
    const owners = this.owners.filter(({ group }) => !this.closed.has(group) && !this.runs.has(group));
    const keys = this.keys.view();
    this.keys = new KeyList();
    this.owners = [];
    if (owners.length === 0) return;
    this.passes++;
    const matched = await matchWindows(this.index, keys);
    for (const { group, offset, from, to } of owners) {
      if (this.runs.has(group)) continue;
      for (let i = from; i < to; i++) {
        if (matched.has(keys[i]!)) {
          this.runs.set(group, offset);
          break;
        }
      }
    }
  }

  /** After the last flush: a group's run offset, 'unmeasured', or null (no run of SHINGLE_BYTES). */
  outcome(group: number): number | 'unmeasured' | null {
    if (this.closed.has(group)) return null;
    return this.runs.get(group) ?? (this.unmeasured.has(group) ? 'unmeasured' : null);
  }
}
