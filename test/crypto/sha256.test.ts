import { createHash } from 'node:crypto';
import { createSha256, HashTapError, sha256Hex, tapSha256 } from '@/lib/crypto';
import { nodeCrypto } from '@/lib/crypto/runtime';
import { randomData, randomPieces } from './bytes';

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Runs `body` as a browser would see Node's globals: without process.getBuiltinModule. */
function withoutNodeBuiltins<T>(body: () => T): T {
  const original = process.getBuiltinModule;
  Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
  try {
    return body();
  } finally {
    Object.defineProperty(process, 'getBuiltinModule', { value: original, configurable: true, writable: true });
  }
}

describe('createSha256', () => {
  const data = randomData(1_000_003);

  it.each([
    ['node:crypto', <T>(body: () => T) => body(), true],
    ['@noble/hashes (no node:crypto, as in a browser)', withoutNodeBuiltins, false],
  ])('hashes incrementally with %s', (_impl, run, onNode) => {
    expect(run(() => nodeCrypto() !== undefined)).toBe(onNode);
    const digest = run(() => {
      const hash = createSha256();
      for (let offset = 0; offset < data.length; offset += 65_537) hash.update(data.subarray(offset, offset + 65_537));
      return hash.digest();
    });
    expect(digest).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(digest).toString('hex')).toBe(reference(data));
  });

  it('gives the well-known digests', () => {
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('tapSha256', () => {
  it('passes bytes through unchanged while hashing and counting them', async () => {
    const data = randomData(777_777);
    const tap = tapSha256(randomPieces(data, 7, 50_000));
    const seen: Uint8Array[] = [];
    for await (const piece of tap) seen.push(piece);
    expect(Buffer.concat(seen).equals(data)).toBe(true);
    expect(tap.size).toBe(data.length);
    expect(tap.hex()).toBe(reference(data));
    expect(Buffer.from(tap.digest()).toString('hex')).toBe(reference(data));
  });

  it('refuses a digest before the end and a second iteration', async () => {
    const tap = tapSha256([new Uint8Array([1]), new Uint8Array([2])]);
    expect(() => tap.digest()).toThrow(HashTapError);
    for await (const _ of tap) break;
    expect(() => tap.hex()).toThrow('not been read to its end');
    expect(() => tap[Symbol.asyncIterator]()).toThrow('only once');
  });
});
