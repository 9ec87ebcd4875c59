/**
 * Hashing for the output guard: rolling buzhash for windows slid over bytes, two independent 32-bit hashes for
 * whole rows and fields, and sorted-set / bitmap look-ups. Keys are 53 bits (32 + 21) so they fit a double: a
 * Float64Array sorts numerically and needs no BigInt, and 2^53 keeps chance collisions below one in 10^9 per
 * look-up for indexes of tens of millions of entries.
 */

/** A table of 256 pseudo-random words, fixed by `seed` (splitmix32): the same on every node. */
function table(seed: number): Uint32Array {
  const words = new Uint32Array(256);
  let state = seed >>> 0;
  for (let i = 0; i < 256; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    words[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return words;
}

/** Buzhash tables: the first hash picks fingerprints, the second only widens keys. */
export const BUZ1 = table(0x5eed0001);
export const BUZ2 = table(0x5eed0002);

export const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/** Two to the 32nd: the high part of a key is multiplied by it. */
export const TWO32 = 4294967296;
const LOW21 = 0x1fffff;

/** A 53-bit key from two 32-bit hashes. */
export const key53 = (h1: number, h2: number): number => (h2 & LOW21) * TWO32 + (h1 >>> 0);

/** murmur3's finaliser: spreads every input bit over the word. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const SEED_A = 0x811c9dc5;
export const SEED_B = 0x9747b28c;
/** One byte into the first whole-string hash (FNV-1a step). */
export const stepA = (h: number, byte: number): number => Math.imul(h ^ byte, 0x01000193);
/** One byte into the second whole-string hash (a different odd multiplier and a rotation). */
export const stepB = (h: number, byte: number): number => Math.imul(rotl(h ^ byte, 5), 0x5bd1e995);

/** The 53-bit key of `bytes[start, end)`; the same steps, run incrementally, give the same key. */
export function bytesKey(bytes: Uint8Array, start: number, end: number): number {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    a = stepA(a, byte);
    b = stepB(b, byte);
  }
  return key53(fmix(a ^ (end - start)), fmix(b));
}

/** The two 32-bit hashes of a string's UTF-16 code units (fields are compared as latin1 strings). */
export function stringHashes(text: string): [number, number] {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = stepA(a, unit);
    b = stepB(b, unit);
  }
  return [fmix(a ^ text.length), fmix(b)];
}

/** Buzhash of `bytes[start, start + width)`, equal to the rolling hash's value once its window holds them. */
export function buzhash(bytes: Uint8Array, start: number, width: number): number {
  let h = 0;
  for (let i = start; i < start + width; i++) h = (rotl(h, 1) ^ BUZ1[bytes[i]!]!) >>> 0;
  return h;
}

/**
 * A sorted set of 53-bit keys with a directory on their top bits, so a look-up reads the directory and a
 * bucket of ~2 keys: two memory accesses instead of a binary search's ~20 over megabytes. Keys are hashes,
 * so buckets stay even. The directory costs ~2 bytes per key.
 */
export class SortedKeys {
  private readonly directory: Uint32Array;
  private readonly width: number;

  constructor(readonly keys: Float64Array) {
    const bits = Math.min(24, Math.max(4, Math.floor(Math.log2(Math.max(keys.length, 1))) - 1));
    this.width = 2 ** (53 - bits);
    this.directory = new Uint32Array(2 ** bits + 1);
    for (const key of keys) this.directory[Math.floor(key / this.width) + 1]!++;
    for (let i = 1; i < this.directory.length; i++) this.directory[i]! += this.directory[i - 1]!;
  }

  get length(): number {
    return this.keys.length;
  }

  /** First index whose key is ≥ `key`. */
  from(key: number): number {
    const bucket = Math.floor(key / this.width);
    let i = this.directory[bucket]!;
    const end = this.directory[bucket + 1]!;
    while (i < end && this.keys[i]! < key) i++;
    return i;
  }

  /** Index of `key`, or −1. */
  indexOf(key: number): number {
    const i = this.from(key);
    return i < this.keys.length && this.keys[i] === key ? i : -1;
  }

  has(key: number): boolean {
    return this.indexOf(key) !== -1;
  }

  get bytes(): number {
    return this.keys.byteLength + this.directory.byteLength;
  }
}

/** Sorts and removes duplicates in place; returns the unique prefix as a view. */
export function sortUnique(keys: Float64Array): Float64Array {
  keys.sort();
  let out = 0;
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[out - 1]) keys[out++] = keys[i]!;
  return keys.subarray(0, out);
}

/**
 * A blocked Bloom filter: two bits per entry within one 512-bit block (one cache line), so a look-up costs one
 * memory access. It is the cheap "certainly not" before a binary search, on every byte position; with 32
 * bits per entry about 0.4 % of absent hashes pass.
 */
export class Bitmap {
  private readonly bits: Int32Array;
  private readonly mask: number;

  /** At least `bitsPerEntry` bits per entry, 2^16 … 2^28 bits in all. */
  constructor(entries: number, bitsPerEntry = 32) {
    let size = 1 << 16;
    while (size < entries * bitsPerEntry && size < 1 << 28) size *= 2;
    this.bits = new Int32Array(size >>> 5);
    this.mask = size - 1;
  }

  add(hash: number): void {
    const first = hash & this.mask;
    const second = (first & ~511) | ((hash >>> 23) & 511);
    this.bits[first >>> 5]! |= 1 << (first & 31);
    this.bits[second >>> 5]! |= 1 << (second & 31);
  }

  has(hash: number): boolean {
    const first = hash & this.mask;
    if ((this.bits[first >>> 5]! & (1 << (first & 31))) === 0) return false;
    const second = (first & ~511) | ((hash >>> 23) & 511);
    return (this.bits[second >>> 5]! & (1 << (second & 31))) !== 0;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }
}

/** An append-only Float64Array that doubles as it fills. */
export class KeyList {
  private data: Float64Array;
  length = 0;

  constructor(initial = 1024) {
    this.data = new Float64Array(initial);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The keys pushed so far (a view, until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** The sorted unique keys, in a right-sized array. */
  sortedUnique(): Float64Array {
    return sortUnique(this.data.subarray(0, this.length)).slice();
  }
}
