/**
 * Winnowing (Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for document fingerprinting", the MOSS
 * paper). Every K-byte run ("k-gram") gets a rolling hash; in each window of W consecutive k-gram hashes the
 * smallest (the rightmost on ties) is the window's fingerprint. Two texts that share a run of at least
 * W + K − 1 bytes share a whole window of k-grams, so both select the same minimum: a shared fingerprint is
 * guaranteed, while only ~2/(W+1) of positions are kept.
 *
 * Carriage returns are skipped, so CRLF and LF copies of the same text hash alike.
 */
import { BUZ1, BUZ2, rotl } from './hash';

/** Bytes per k-gram. ≤ 32 keeps buzhash's rotations distinct (at 32 a byte and its twin 32 later cancel). */
export const KGRAM_BYTES = 24;
/** k-gram hashes per window. */
export const WINDOW = 41;
/** Guaranteed detection length L = W + K − 1: any shared run of this many bytes yields a shared fingerprint. */
export const SHINGLE_BYTES = WINDOW + KGRAM_BYTES - 1;

const CR = 13;

/** Each byte's table word rotated by K: what leaves the hash when the byte leaves the k-gram. */
const OUT1 = Int32Array.from(BUZ1, (word) => rotl(word, KGRAM_BYTES));
const OUT2 = Int32Array.from(BUZ2, (word) => rotl(word, KGRAM_BYTES));
const IN1 = Int32Array.from(BUZ1);
const IN2 = Int32Array.from(BUZ2);

/** Called for each selected fingerprint: its two hashes and the k-gram's offset in the (CR-less) stream. */
export type FingerprintSink = (h1: number, h2: number, offset: number) => void;

/** Streaming winnower: feed bytes in any chunking, get the same fingerprints. */
export class Winnower {
  private readonly ring = new Uint8Array(KGRAM_BYTES);
  // Signed words: V8 keeps int32 values unboxed, while uint32 above 2^31 become doubles. Any total order
  // picks a consistent minimum, so signed comparison does as well as unsigned.
  private readonly window1 = new Int32Array(WINDOW);
  private readonly window2 = new Int32Array(WINDOW);
  private h1 = 0;
  private h2 = 0;
  /** Bytes fed so far (CRs excluded), and the ring slot the next one goes to. */
  private fed = 0;
  private slot = 0;
  /** k-grams hashed so far, and the window slot the next one goes to. */
  private grams = 0;
  private at = 0;
  /** The current minimum k-gram (−1 before the first full window) and its hash. */
  private minAt = -1;
  private minHash = 0;

  constructor(private readonly sink: FingerprintSink) {}

  feed(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const { ring, window1, window2, sink } = this;
    // Imported bindings are getters once compiled to CommonJS: read them once, not per byte.
    const table1 = IN1;
    const table2 = IN2;
    const out1 = OUT1;
    const out2 = OUT2;
    let { h1, h2, fed, slot, grams, at, minAt, minHash } = this;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === CR) continue;
      h1 = ((h1 << 1) | (h1 >>> 31)) ^ table1[byte]!;
      h2 = ((h2 << 1) | (h2 >>> 31)) ^ table2[byte]!;
      if (fed >= KGRAM_BYTES) {
        const out = ring[slot]!;
        h1 ^= out1[out]!;
        h2 ^= out2[out]!;
      }
      ring[slot] = byte;
      if (++slot === KGRAM_BYTES) slot = 0;
      if (++fed < KGRAM_BYTES) continue;
      const gram = grams++;
      window1[at] = h1;
      window2[at] = h2;
      if (gram >= WINDOW - 1) {
        if (minAt <= gram - WINDOW) {
          // The old minimum left the window (or there was none yet): rescan it, oldest first, keeping the
          // rightmost minimum.
          let best = 0;
          let bestHash = 0x7fffffff;
          for (let age = 0, s = at + 1; age < WINDOW; age++, s++) {
            if (s === WINDOW) s = 0;
            if (window1[s]! <= bestHash) {
              bestHash = window1[s]!;
              best = age;
            }
          }
          minAt = gram - WINDOW + 1 + best;
          minHash = bestHash;
          const bestSlot = (at + 1 + best) % WINDOW;
          sink(bestHash >>> 0, window2[bestSlot]! >>> 0, minAt);
        } else if (h1 <= minHash) {
          minAt = gram;
          minHash = h1;
          sink(h1 >>> 0, h2 >>> 0, gram);
        }
      }
      if (++at === WINDOW) at = 0;
    }
    Object.assign(this, { h1, h2, fed, slot, grams, at, minAt, minHash });
  }
}
