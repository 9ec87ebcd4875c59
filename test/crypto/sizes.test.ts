import fc from 'fast-check';
import { ciphertextSize, DEFAULT_CHUNK_SIZE, HEADER_SIZE, plaintextSize, StreamSizeError, TAG_SIZE } from '@/lib/crypto';

describe('ciphertextSize / plaintextSize', () => {
  it('counts the header and one tag per chunk, an empty file being one empty chunk', () => {
    expect(ciphertextSize(0)).toBe(HEADER_SIZE + TAG_SIZE);
    expect(ciphertextSize(1)).toBe(HEADER_SIZE + 1 + TAG_SIZE);
    expect(ciphertextSize(DEFAULT_CHUNK_SIZE)).toBe(HEADER_SIZE + DEFAULT_CHUNK_SIZE + TAG_SIZE);
    expect(ciphertextSize(DEFAULT_CHUNK_SIZE + 1)).toBe(HEADER_SIZE + DEFAULT_CHUNK_SIZE + 1 + 2 * TAG_SIZE);
    expect(ciphertextSize(10_000, 4096)).toBe(HEADER_SIZE + 10_000 + 3 * TAG_SIZE);
  });

  it('are exact inverses for any size and chunk size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 12, max: 24 }), (size, log2) => {
        expect(plaintextSize(ciphertextSize(size, 2 ** log2), 2 ** log2)).toBe(size);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [-1, 'not a byte count'],
    [1.5, 'not a byte count'],
    [HEADER_SIZE + TAG_SIZE - 1, 'no stream'],
    [HEADER_SIZE + DEFAULT_CHUNK_SIZE + TAG_SIZE + 5, 'no stream'],
  ])('rejects the impossible ciphertext size %d', (size, message) => {
    expect(() => plaintextSize(size)).toThrow(StreamSizeError);
    expect(() => plaintextSize(size)).toThrow(message);
  });
});
