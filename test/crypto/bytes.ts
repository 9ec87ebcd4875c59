/** Byte-stream helpers for the crypto tests. */
import { randomBytes } from 'node:crypto';
import { mulberry32 } from '@/lib/demo/random';

/** All of `source` in one array. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** A small deterministic PRNG, so a failing piece layout can be replayed from its seed. */
export const prng = mulberry32;

/** `bytes` as an async stream of pieces of random sizes from 0 to `maxPiece` (empty pieces included). */
export async function* randomPieces(bytes: Uint8Array, seed: number, maxPiece = 300_000): AsyncGenerator<Uint8Array> {
  const random = prng(seed);
  for (let offset = 0; offset < bytes.length; ) {
    const size = Math.floor(random() * (maxPiece + 1));
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

/** Random bytes (node:crypto caps one call at 2^31 - 1, far above what tests use). */
export function randomData(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

/** `bytes` as a one-piece async stream. */
export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
