import { DatagoraError } from '@/lib/errors';
import {
  ciphertextSize,
  decryptStream,
  DecryptionError,
  DEFAULT_CHUNK_SIZE,
  encryptStream,
  generateDataKey,
  HEADER_SIZE,
  InvalidChunkSizeError,
  InvalidDataKeyError,
  StreamSizeError,
  TAG_SIZE,
} from '@/lib/crypto';
import { collect, once, randomData, randomPieces } from './bytes';

const SMALL = 4096;
const SEGMENT = SMALL + TAG_SIZE;

async function encrypt(key: Uint8Array, plaintext: Uint8Array, chunkSize = SMALL): Promise<Uint8Array> {
  return collect(encryptStream(key, once(plaintext), { chunkSize }));
}

async function decrypt(key: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  return collect(decryptStream(key, once(ciphertext)));
}

/** The DecryptionError that decrypting `ciphertext` throws. */
async function failure(key: Uint8Array, ciphertext: Uint8Array): Promise<DecryptionError> {
  try {
    await decrypt(key, ciphertext);
  } catch (error) {
    if (error instanceof DecryptionError) return error;
    throw error;
  }
  throw new Error('decryption succeeded');
}

/** Chunk `index`'s bytes in a stream of SMALL chunks. */
function chunkRange(index: number): [number, number] {
  return [HEADER_SIZE + index * SEGMENT, HEADER_SIZE + (index + 1) * SEGMENT];
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

describe('encryptStream / decryptStream', () => {
  const key = generateDataKey();

  it.each([0, 1, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL, 5 * SMALL + 17])('round-trips %i bytes byte for byte at the predicted size', async (size) => {
    const plaintext = randomData(size);
    const ciphertext = await encrypt(key, plaintext);
    expect(ciphertext.length).toBe(ciphertextSize(size, SMALL));
    expect(Buffer.from(await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
  });

  it.each([DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1])('round-trips %i bytes with the default 1 MiB chunks', async (size) => {
    const plaintext = randomData(size);
    const ciphertext = await collect(encryptStream(key, once(plaintext)));
    expect(ciphertext.length).toBe(ciphertextSize(size));
    expect(Buffer.from(await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
  });

  it('round-trips 50 MB streamed in random-sized pieces both ways', async () => {
    const plaintext = randomData(50_000_123);
    const ciphertext = await collect(encryptStream(key, randomPieces(plaintext, 1)));
    expect(ciphertext.length).toBe(ciphertextSize(plaintext.length));
    const decrypted = await collect(decryptStream(key, randomPieces(ciphertext, 2, 3_000_000)));
    expect(Buffer.from(decrypted).equals(plaintext)).toBe(true);
  });

  it('yields one verified plaintext chunk at a time', async () => {
    const plaintext = randomData(3 * SMALL + 5);
    const sizes: number[] = [];
    for await (const chunk of decryptStream(key, once(await encrypt(key, plaintext)))) sizes.push(chunk.length);
    expect(sizes).toEqual([SMALL, SMALL, SMALL, 5]);
  });

  it('encrypts the same plaintext differently every time (fresh salt and nonce prefix)', async () => {
    const plaintext = randomData(100);
    const [a, b] = await Promise.all([encrypt(key, plaintext), encrypt(key, plaintext)]);
    expect(Buffer.from(a).equals(b)).toBe(false);
  });

  it('accepts a synchronous iterable source', async () => {
    const plaintext = randomData(SMALL + 3);
    const ciphertext = await collect(encryptStream(key, [plaintext.subarray(0, 10), plaintext.subarray(10)], { chunkSize: SMALL }));
    expect(Buffer.from(await collect(decryptStream(key, [ciphertext]))).equals(plaintext)).toBe(true);
  });

  it('copies its input, so a source may reuse one buffer for every piece', async () => {
    const plaintext = randomData(3 * SMALL + 100);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(1000);
      for (let offset = 0; offset < plaintext.length; offset += buffer.length) {
        const piece = plaintext.subarray(offset, offset + buffer.length);
        buffer.set(piece);
        yield buffer.subarray(0, piece.length);
        buffer.fill(0xee);
      }
    }
    const ciphertext = await collect(encryptStream(key, reusing(), { chunkSize: SMALL }));
    expect(Buffer.from(await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
  });

  it('passes a source error through and closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomData(SMALL * 2);
      throw new Error('disk gone');
    }
    await expect(collect(encryptStream(key, failing(), { chunkSize: SMALL }))).rejects.toThrow('disk gone');

    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield randomData(SMALL);
      } finally {
        closed = true;
      }
    }
    for await (const chunk of encryptStream(key, endless(), { chunkSize: SMALL })) if (chunk.length > HEADER_SIZE) break;
    expect(closed).toBe(true);
  });

  it('rejects a bad key or chunk size before reading anything', () => {
    expect(() => encryptStream(new Uint8Array(16), once(new Uint8Array(1)))).toThrow(InvalidDataKeyError);
    expect(() => decryptStream(new Uint8Array(33), once(new Uint8Array(1)))).toThrow(InvalidDataKeyError);
    for (const chunkSize of [1024, 3000, 2 ** 25]) expect(() => encryptStream(key, once(new Uint8Array(1)), { chunkSize })).toThrow(InvalidChunkSizeError);
  });
});

describe('encryptStream with the plaintext size given', () => {
  const key = generateDataKey();

  /** `plaintext` in pieces of `piece` bytes, all through one buffer that is scribbled over once the next is asked for. */
  async function* reusing(plaintext: Uint8Array, piece: number): AsyncGenerator<Uint8Array> {
    const buffer = new Uint8Array(piece);
    for (let offset = 0; offset < plaintext.length; offset += piece) {
      const part = plaintext.subarray(offset, offset + piece);
      buffer.set(part);
      yield buffer.subarray(0, part.length);
      buffer.fill(0xee);
    }
  }

  it.each([
    ['chunk-sized pieces', SMALL],
    ['pieces of two chunks', 2 * SMALL],
    ['pieces that straddle chunks', 1000],
  ])('gives the same stream from a source that reuses its buffer (%s)', async (_layout, piece) => {
    for (const size of [0, SMALL, 3 * SMALL, 3 * SMALL + 5]) {
      const plaintext = randomData(size);
      const ciphertext = await collect(encryptStream(key, reusing(plaintext, piece), { chunkSize: SMALL, size }));
      expect(ciphertext.length).toBe(ciphertextSize(size, SMALL));
      expect(Buffer.from(await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
    }
  });

  it('fails when the source ends before the size or runs past it', async () => {
    const plaintext = randomData(2 * SMALL + 10);
    await expect(collect(encryptStream(key, once(plaintext), { chunkSize: SMALL, size: plaintext.length + 1 }))).rejects.toThrow(StreamSizeError);
    await expect(collect(encryptStream(key, once(plaintext), { chunkSize: SMALL, size: plaintext.length - 1 }))).rejects.toThrow(StreamSizeError);
    await expect(collect(encryptStream(key, once(plaintext), { chunkSize: SMALL, size: 2 * SMALL }))).rejects.toThrow(/more than the 8192 bytes/);
  });

  it('rejects a size that is no byte count before reading anything', () => {
    for (const size of [-1, 1.5, Number.NaN]) expect(() => encryptStream(key, once(new Uint8Array(1)), { size })).toThrow(StreamSizeError);
  });
});

describe('decryptStream detects', () => {
  const key = generateDataKey();
  // Three full chunks and a short last one.
  const plaintext = randomData(3 * SMALL + 1000);
  let ciphertext: Uint8Array;
  beforeAll(async () => {
    ciphertext = await encrypt(key, plaintext);
  });

  it('a flipped byte in a chunk body, naming the chunk', async () => {
    const error = await failure(key, flipped(ciphertext, chunkRange(1)[0] + 100));
    expect(error).toBeInstanceOf(DatagoraError);
    expect(error.chunk).toBe(1);
    expect(error.message).toContain('encrypted chunk 1');
    expect(error.hint).toMatch(/key/);
  });

  it('a flipped byte in a tag', async () => {
    expect((await failure(key, flipped(ciphertext, chunkRange(2)[1] - 1))).chunk).toBe(2);
  });

  it('a flipped byte in the last, short chunk', async () => {
    expect((await failure(key, flipped(ciphertext, ciphertext.length - 20))).chunk).toBe(3);
  });

  it.each([
    ['salt', 10, 0],
    ['nonce prefix', HEADER_SIZE - 1, 0],
  ])('a changed header byte (%s): the header is every chunk’s additional data', async (_part, at, chunk) => {
    expect((await failure(key, flipped(ciphertext, at))).chunk).toBe(chunk);
  });

  it.each([
    ['magic', 0, /DGE1 magic/],
    ['version', 4, /unsupported format version/],
  ])('a malformed header (%s)', async (_part, at, message) => {
    const error = await failure(key, flipped(ciphertext, at));
    expect(error.chunk).toBeNull();
    expect(error.message).toMatch(message);
  });

  it('a header claiming another chunk size', async () => {
    const altered = Uint8Array.from(ciphertext);
    altered[5] = 13; // 8 KiB instead of 4 KiB
    expect((await failure(key, altered)).chunk).toBe(0);
  });

  it('a stream shorter than its header, or ending right after it', async () => {
    expect((await failure(key, ciphertext.subarray(0, 10))).chunk).toBeNull();
    const error = await failure(key, ciphertext.subarray(0, HEADER_SIZE));
    expect(error.chunk).toBe(0);
    expect(error.message).toMatch(/ends before its last chunk/);
  });

  it('truncation at a chunk boundary (the last chunk dropped)', async () => {
    const error = await failure(key, ciphertext.subarray(0, chunkRange(3)[0]));
    expect(error.chunk).toBe(2);
    expect(error.message).toMatch(/cut short/);
  });

  it('truncation at a chunk boundary of a stream whose chunks are all full', async () => {
    const full = await encrypt(key, randomData(3 * SMALL));
    expect((await failure(key, full.subarray(0, chunkRange(2)[0]))).chunk).toBe(1);
  });

  it('truncation mid-chunk', async () => {
    expect((await failure(key, ciphertext.subarray(0, chunkRange(1)[0] + 500))).chunk).toBe(1);
    expect((await failure(key, ciphertext.subarray(0, chunkRange(1)[0] + 5))).chunk).toBe(1);
  });

  it('bytes appended after the last chunk', async () => {
    expect((await failure(key, Buffer.concat([ciphertext, new Uint8Array([0])]))).chunk).toBe(3);
    const full = await encrypt(key, randomData(2 * SMALL));
    expect((await failure(key, Buffer.concat([full, randomData(100)]))).chunk).toBe(1);
    // Even a whole valid chunk repeated at the end.
    expect((await failure(key, Buffer.concat([full, full.subarray(...chunkRange(1))]))).chunk).toBe(1);
  });

  it('two chunks swapped', async () => {
    const swapped = Buffer.concat([
      ciphertext.subarray(0, HEADER_SIZE),
      ciphertext.subarray(...chunkRange(1)),
      ciphertext.subarray(...chunkRange(0)),
      ciphertext.subarray(chunkRange(2)[0]),
    ]);
    expect((await failure(key, swapped)).chunk).toBe(0);
  });

  it('a chunk spliced in from another file encrypted with the same key', async () => {
    const other = await encrypt(key, plaintext);
    const spliced = Buffer.concat([ciphertext.subarray(0, chunkRange(1)[0]), other.subarray(...chunkRange(1)), ciphertext.subarray(chunkRange(2)[0])]);
    expect((await failure(key, spliced)).chunk).toBe(1);
  });

  it('a wrong key', async () => {
    expect((await failure(generateDataKey(), ciphertext)).chunk).toBe(0);
  });

  it('only after yielding the authentic chunks before the damage', async () => {
    const yielded: number[] = [];
    const damaged = flipped(ciphertext, chunkRange(2)[0]);
    await expect(
      (async () => {
        for await (const chunk of decryptStream(key, once(damaged))) yielded.push(chunk.length);
      })(),
    ).rejects.toThrow(DecryptionError);
    expect(yielded).toEqual([SMALL, SMALL]);
  });
});
