/**
 * Measuring shared runs against the raw file. A fingerprint hit only says that one k-gram (24 bytes) is
 * shared; a category name next to a number can do that by chance. So the candidates are measured: one
 * sequential pass over the raw file rolls the k-gram hash at every position, and where a candidate's k-gram
 * occurs, the bytes on both sides are compared with the output's. A run counts when ≥ SHINGLE_BYTES of it lie
 * past the header line. Contexts reach SHINGLE_BYTES on each side, which is enough: a run of that length
 * through the k-gram measures at least that within them. Candidates are found by the k-gram and the bytes on
 * one side (SIDE_BYTES), so a common k-gram met at many places in both files costs a look-up per place, not
 * a comparison per pair.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LeakIndexError } from './errors';
import { Bitmap, BUZ1, BUZ2, bytesKey, key53, rotl, TWO32 } from './hash';
import type { LeakIndexParts } from './leak-index';
import { SIDE_BYTES, type ShingleCandidate } from './scan';
import { KGRAM_BYTES, SHINGLE_BYTES } from './winnow';

const K = KGRAM_BYTES;
const L = SHINGLE_BYTES;
const S = SIDE_BYTES;
/** Bytes carried from one read to the next: L of left context, then the K + L not yet looked at. */
const TAIL = 2 * L + K;
const IN1 = Int32Array.from(BUZ1);
const IN2 = Int32Array.from(BUZ2);
const OUT1 = Int32Array.from(BUZ1, (word) => rotl(word, K));
const OUT2 = Int32Array.from(BUZ2, (word) => rotl(word, K));

function withoutCR(bytes: Buffer): Buffer {
  if (bytes.indexOf(13) === -1) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 13) out[length++] = bytes[i]!;
  return out.subarray(0, length);
}

/**
 * For each group of candidates (one group per scanned layer), the offset of a candidate whose run with the
 * raw data has ≥ SHINGLE_BYTES past the header, or −1. Stops reading once every group has one.
 */
export async function measureRuns(index: LeakIndexParts, groups: readonly (readonly ShingleCandidate[])[]): Promise<number[]> {
  const found = groups.map(() => -1);
  /** Candidates by k-gram key, then by the key of their left (or right) SIDE_BYTES. */
  const byLeft = new Map<number, Map<number, [number, ShingleCandidate][]>>();
  const byRight = new Map<number, Map<number, [number, ShingleCandidate][]>>();
  const file = (sides: typeof byLeft, key: number, side: number, entry: [number, ShingleCandidate]) => {
    if (side === -1) return;
    let inner = sides.get(key);
    if (!inner) sides.set(key, (inner = new Map()));
    const list = inner.get(side);
    if (list) list.push(entry);
    else inner.set(side, [entry]);
  };
  groups.forEach((group, g) => {
    for (const candidate of group) {
      file(byLeft, candidate.key, candidate.left, [g, candidate]);
      file(byRight, candidate.key, candidate.right, [g, candidate]);
    }
  });
  const keys = new Set([...byLeft.keys(), ...byRight.keys()]);
  if (keys.size === 0) return found;
  const filter = new Bitmap(keys.size);
  for (const key of keys) filter.add(key % TWO32);

  const { path, size, mtimeMs } = index.source;
  const now = await stat(path).catch((error: unknown) => {
    throw new LeakIndexError(path, error);
  });
  if (now.size !== size || now.mtimeMs !== mtimeMs) throw new LeakIndexError(path, new Error('the file changed after it was indexed'));

  let open = groups.length;
  const headerEnd = index.headerEnd;
  /** Compares the bytes around `buffer[p]` (global offset `base + p`) with a candidate's context. */
  const measure = (buffer: Uint8Array, p: number, base: number, group: number, candidate: ShingleCandidate) => {
    const { context, at } = candidate;
    for (let j = 0; j < K; j++) if (buffer[p + j] !== context[at + j]) return;
    let left = 0;
    while (left < at && p - left > 0 && buffer[p - left - 1] === context[at - left - 1]) left++;
    let right = 0;
    while (at + K + right < context.length && p + K + right < buffer.length && buffer[p + K + right] === context[at + K + right]) right++;
    const end = base + p + K + right;
    if (end - Math.max(base + p - left, headerEnd) >= L) {
      found[group] = candidate.offset;
      open--;
    }
  };

  /** Looks at k-grams starting in [from, to] of `buffer` (global offset `base`). */
  const scan = (buffer: Uint8Array, base: number, from: number, to: number) => {
    if (to < from) return;
    let h1 = 0;
    let h2 = 0;
    for (let i = from; i < from + K; i++) {
      h1 = ((h1 << 1) | (h1 >>> 31)) ^ IN1[buffer[i]!]!;
      h2 = ((h2 << 1) | (h2 >>> 31)) ^ IN2[buffer[i]!]!;
    }
    for (let p = from; ; p++) {
      if (filter.has(h1)) {
        const key = key53(h1 >>> 0, h2 >>> 0);
        if (keys.has(key)) {
          const left = p >= S ? byLeft.get(key)?.get(bytesKey(buffer, p - S, p)) : undefined;
          const right = byRight.get(key)?.get(bytesKey(buffer, p + K, Math.min(buffer.length, p + K + S)));
          for (const list of [left, right]) if (list) for (const [group, candidate] of list) if (found[group] === -1) measure(buffer, p, base, group, candidate);
          if (open === 0) return;
        }
      }
      if (p === to) return;
      const leaving = buffer[p]!;
      const entering = buffer[p + K]!;
      h1 = ((h1 << 1) | (h1 >>> 31)) ^ IN1[entering]! ^ OUT1[leaving]!;
      h2 = ((h2 << 1) | (h2 >>> 31)) ^ IN2[entering]! ^ OUT2[leaving]!;
    }
  };

  let tail = Buffer.alloc(0);
  /** Global (CR-less) offset of tail[0], and the first k-gram start not looked at yet. */
  let base = 0;
  let next = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const buffer = Buffer.concat([tail, withoutCR(chunk)]);
      // Leave the last K + L starts for the next read, which brings their right-hand context.
      const to = buffer.length - K - L;
      scan(buffer, base, next - base, to);
      if (open === 0) return found;
      next = Math.max(next, base + to + 1);
      const keep = Math.min(buffer.length, TAIL);
      tail = buffer.subarray(buffer.length - keep);
      base += buffer.length - keep;
    }
  } catch (error) {
    throw new LeakIndexError(path, error);
  }
  scan(tail, base, next - base, tail.length - K);
  return found;
}
