/**
 * Fixed point in the ring Z/2^64: pairwise masks only cancel exactly in modular arithmetic, so every vector a node
 * releases is encoded as integers mod 2^64 (round(x·2^24), two's complement for negatives) and only the sum is
 * decoded. BigUint64Array stores modulo 2^64 by itself, so ring addition is plain `+` on its elements. On the wire
 * a vector is its little-endian bytes, in base64. No Node imports: the aggregator decodes in the browser.
 */
import { fromBase64, toBase64 } from '../compute/results';
import { RingEncodingError } from './errors';
import { MAX_PARTICIPANTS } from './plan';

/** Bits after the binary point: a resolution of 2^-24 ≈ 6·10^-8 on n·Δ, far below the DP noise. */
export const FRACTION_BITS = 24;
const SCALE = 2 ** FRACTION_BITS;
/**
 * The largest magnitude a coordinate may have: the sum of MAX_PARTICIPANTS of them, 2^35·8·2^24 = 2^62, stays a bit
 * inside the signed range 2^63, so the decoded sum is never a wrapped value.
 */
export const MAX_MAGNITUDE = 2 ** (63 - FRACTION_BITS - Math.log2(MAX_PARTICIPANTS) - 1);

/** `values` in fixed point; RingEncodingError for a non-finite value or one beyond ±MAX_MAGNITUDE. */
export function encodeFixed(values: ArrayLike<number>): BigUint64Array<ArrayBuffer> {
  const ring = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(Math.abs(x) <= MAX_MAGNITUDE)) {
      throw new RingEncodingError(`coordinate ${i} is ${x}; the ring holds finite values within ±${MAX_MAGNITUDE}`, 'lower the clip or the noise multiplier, or weight by fewer samples');
    }
    // x·2^24 is exact (a power of two) and rounds to an integer below 2^59; the array reduces negatives mod 2^64.
    ring[i] = BigInt(Math.round(x * SCALE));
  }
  return ring;
}

/** A ring vector (a sum of at most MAX_PARTICIPANTS encoded vectors) back to numbers, read as two's complement. */
export function decodeFixed(ring: BigUint64Array): Float64Array<ArrayBuffer> {
  return Float64Array.from(ring, (v) => Number(BigInt.asIntN(64, v)) / SCALE);
}

function sameLength(a: BigUint64Array, b: BigUint64Array): void {
  if (a.length !== b.length) throw new RingEncodingError(`vectors of ${a.length} and ${b.length} elements cannot be combined`, 'every vector of a round has the plan’s length: d+1 elements, d+2 with a lossBound');
}

/** a + b mod 2^64, element by element. */
export function ringAdd(a: BigUint64Array, b: BigUint64Array): BigUint64Array<ArrayBuffer> {
  sameLength(a, b);
  return a.map((v, i) => v + b[i]!);
}

/** a − b mod 2^64, element by element. */
export function ringSub(a: BigUint64Array, b: BigUint64Array): BigUint64Array<ArrayBuffer> {
  sameLength(a, b);
  return a.map((v, i) => v - b[i]!);
}

/** The vector as 8 little-endian bytes per element. */
export function ringToBytes(ring: BigUint64Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(ring.length * 8);
  const view = new DataView(bytes.buffer);
  ring.forEach((v, i) => view.setBigUint64(i * 8, v, true));
  return bytes;
}

/** Little-endian bytes back to a vector of `length` elements; RingEncodingError for any other byte count. */
export function ringFromBytes(bytes: Uint8Array, length: number): BigUint64Array<ArrayBuffer> {
  if (bytes.length !== length * 8) throw new RingEncodingError(`${bytes.length} bytes are not a vector of ${length} elements (${length * 8} bytes)`, 'send the vector the round asked for: d+1 elements, d+2 with a lossBound');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return BigUint64Array.from({ length }, (_, i) => view.getBigUint64(i * 8, true));
}

/** The vector as base64 (padded, the standard alphabet) for JSON. */
export function ringToBase64(ring: BigUint64Array): string {
  return toBase64(ringToBytes(ring), 'base64');
}

/** base64 back to a vector of `length` elements; RingEncodingError for text that is not base64 or the wrong size. */
export function ringFromBase64(text: string, length: number): BigUint64Array<ArrayBuffer> {
  // atob skips whitespace and takes a missing pad: only the padded length of `length` elements is read.
  if (text.length !== 4 * Math.ceil((length * 8) / 3) || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new RingEncodingError(`not the base64 of a vector of ${length} elements`, 'send ringToBase64 of the vector the round asked for: d+1 elements, d+2 with a lossBound');
  }
  return ringFromBytes(fromBase64(text), length);
}
