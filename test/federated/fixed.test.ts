import fc from 'fast-check';
import {
  decodeFixed,
  encodeFixed,
  FRACTION_BITS,
  MAX_MAGNITUDE,
  MAX_PARTICIPANTS,
  ringAdd,
  ringFromBase64,
  ringFromBytes,
  ringSub,
  ringToBase64,
  ringToBytes,
  RingEncodingError,
} from '@/lib/federated';

const RESOLUTION = 2 ** -FRACTION_BITS;
const coordinate = fc.double({ min: -MAX_MAGNITUDE, max: MAX_MAGNITUDE, noNaN: true });
const vector = (length: number) => fc.array(coordinate, { minLength: length, maxLength: length });

describe('fixed point in Z/2^64', () => {
  it('writes x as round(x·2^24), negatives in two’s complement', () => {
    expect(encodeFixed([1, -1, 0, RESOLUTION, 0.4 * RESOLUTION])).toEqual(BigUint64Array.of(2n ** 24n, 2n ** 64n - 2n ** 24n, 0n, 1n, 0n));
    expect(ringToBytes(encodeFixed([1]))).toEqual(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0));
  });

  it('reads back every value within half a step of 2^-24', () => {
    fc.assert(
      fc.property(fc.array(coordinate, { maxLength: 50 }), (values) => {
        decodeFixed(encodeFixed(values)).forEach((x, i) => expect(Math.abs(x - values[i]!)).toBeLessThanOrEqual(RESOLUTION / 2));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the ring sum of up to 8 vectors to the sum of their values, even at ±MAX_MAGNITUDE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_PARTICIPANTS }).chain((k) => fc.array(vector(6), { minLength: k, maxLength: k })), (vectors) => {
        const sum = decodeFixed(vectors.map(encodeFixed).reduce(ringAdd));
        sum.forEach((x, i) => {
          const exact = vectors.reduce((total, values) => total + values[i]!, 0);
          // Each value rounds by half a step; adding doubles (the expected sum, and the decoded one) rounds by ulps.
          const magnitude = vectors.reduce((total, values) => total + Math.abs(values[i]!), 0);
          expect(Math.abs(x - exact)).toBeLessThanOrEqual((vectors.length * RESOLUTION) / 2 + magnitude * 2 ** -49);
        });
      }),
      { numRuns: 300 },
    );
    const extremes = Array.from({ length: MAX_PARTICIPANTS }, () => encodeFixed([MAX_MAGNITUDE, -MAX_MAGNITUDE]));
    expect(decodeFixed(extremes.reduce(ringAdd))).toEqual(Float64Array.of(MAX_PARTICIPANTS * MAX_MAGNITUDE, -MAX_PARTICIPANTS * MAX_MAGNITUDE));
  });

  it.each([NaN, Infinity, -Infinity, MAX_MAGNITUDE * (1 + 2 ** -52), -2 * MAX_MAGNITUDE, 1e300])('refuses %p rather than wrap it', (bad) => {
    expect(() => encodeFixed([0, 1, bad])).toThrow(RingEncodingError);
    expect(() => encodeFixed([0, 1, bad])).toThrow(/coordinate 2 is/);
  });

  it('adds and subtracts modulo 2^64', () => {
    const top = BigUint64Array.of(2n ** 64n - 1n, 5n);
    expect(ringAdd(top, BigUint64Array.of(1n, 2n ** 64n - 5n))).toEqual(BigUint64Array.of(0n, 0n));
    expect(ringSub(BigUint64Array.of(0n, 3n), BigUint64Array.of(1n, 5n))).toEqual(BigUint64Array.of(2n ** 64n - 1n, 2n ** 64n - 2n));
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 20 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (words, shift) => {
        const a = BigUint64Array.from(words);
        const b = a.map((w) => w ^ shift);
        expect(ringSub(ringAdd(a, b), b)).toEqual(a);
      }),
      { numRuns: 200 },
    );
    expect(() => ringAdd(new BigUint64Array(3), new BigUint64Array(4))).toThrow(RingEncodingError);
  });

  it('travels as little-endian bytes in base64, and refuses anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 40 }), (words) => {
        const ring = BigUint64Array.from(words);
        expect(ringFromBytes(ringToBytes(ring), ring.length)).toEqual(ring);
        expect(ringFromBase64(ringToBase64(ring), ring.length)).toEqual(ring);
      }),
      { numRuns: 200 },
    );
    const text = ringToBase64(encodeFixed([1, 2, 3]));
    expect(() => ringFromBase64(text, 2)).toThrow(RingEncodingError);
    expect(() => ringFromBase64(text, 4)).toThrow(RingEncodingError);
    expect(() => ringFromBase64(`${text.slice(0, -4)} ${text.slice(-3)}`, 3)).toThrow(RingEncodingError);
    expect(() => ringFromBase64(text.replace(/.$/, '-'), 3)).toThrow(RingEncodingError);
    expect(() => ringFromBytes(new Uint8Array(23), 3)).toThrow(/23 bytes/);
  });
});
