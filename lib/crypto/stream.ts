/**
 * Streamed authenticated encryption of dataset files, the same bytes in Node and in the browser (./gcm picks
 * the cipher). Memory stays constant: a few chunks are in flight whatever the file size.
 */
import { ByteReader, fixedPieces, inOrder, type ByteSource, type Piece } from './chunks';
import { DecryptionError, InvalidDataKeyError, StreamSizeError } from './errors';
import { checkChunkSize, chunkIv, DEFAULT_CHUNK_SIZE, HEADER_SIZE, newHeader, parseHeader, TAG_SIZE, type StreamHeader } from './format';
import { chunkCipher, type ChunkCipher } from './gcm';

export const DATA_KEY_SIZE = 32;

export interface EncryptOptions {
  /** Plaintext bytes per chunk: a power of two from 4 KiB to 16 MiB; default 1 MiB. */
  chunkSize?: number;
  /**
   * The plaintext's exact size, when it is known (a file's): the last chunk is then known without reading
   * ahead, so each chunk is encrypted where it lies in the source's pieces instead of being copied out first.
   * A source that ends before or runs past it fails the stream with StreamSizeError.
   */
  size?: number;
}

/** A fresh random 32-byte data key. */
export function generateDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(DATA_KEY_SIZE));
}

function checkDataKey(dataKey: Uint8Array): Uint8Array<ArrayBuffer> {
  if (dataKey.length !== DATA_KEY_SIZE) throw new InvalidDataKeyError(dataKey.length);
  return Uint8Array.from(dataKey);
}

function iv(header: StreamHeader, piece: Piece): Uint8Array<ArrayBuffer> {
  return chunkIv(header.noncePrefix, piece.index, piece.last);
}

/**
 * Encrypts `source` (pieces of any size) into the DGE1 format: the header, then one ciphertext chunk at a time.
 * Throws InvalidDataKeyError / InvalidChunkSizeError / StreamSizeError at once, before reading anything.
 */
export function encryptStream(dataKey: Uint8Array, source: ByteSource, options: EncryptOptions = {}): AsyncIterable<Uint8Array> {
  const key = checkDataKey(dataKey);
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0)) throw new StreamSizeError(`size ${options.size} is not a byte count`);
  return encrypted(key, source, chunkSize, options.size);
}

async function* encrypted(dataKey: Uint8Array<ArrayBuffer>, source: ByteSource, chunkSize: number, size?: number): AsyncGenerator<Uint8Array, void, undefined> {
  const header = newHeader(chunkSize);
  const cipher = await chunkCipher(dataKey, header);
  const reader = new ByteReader(source);
  try {
    yield header.bytes;
    // seal reads each piece before inOrder asks for the next, so a piece may be a view of the source's bytes.
    for await (const sealed of inOrder(fixedPieces(reader, chunkSize, size), cipher.depth, (piece) => cipher.seal(iv(header, piece), piece.bytes))) yield* sealed;
  } finally {
    await reader.close();
  }
}

/**
 * Decrypts a DGE1 stream, yielding each chunk's plaintext once its tag verifies. Throws DecryptionError naming
 * the chunk on any integrity failure: a bad header, a flipped bit, reordered or foreign chunks, a wrong key, a
 * stream cut short or with bytes after its last chunk. Bytes already yielded are authentic, but the file is only
 * complete once the iteration ends without error.
 */
export function decryptStream(dataKey: Uint8Array, source: ByteSource): AsyncIterable<Uint8Array> {
  return decrypted(checkDataKey(dataKey), source);
}

async function* decrypted(dataKey: Uint8Array<ArrayBuffer>, source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new ByteReader(source);
  try {
    const header = parseHeader(await reader.read(HEADER_SIZE));
    const cipher = await chunkCipher(dataKey, header);
    yield* inOrder(fixedPieces(reader, header.chunkSize + TAG_SIZE), cipher.depth, (piece) => openChunk(cipher, header, piece));
  } finally {
    await reader.close();
  }
}

async function openChunk(cipher: ChunkCipher, header: StreamHeader, piece: Piece): Promise<Uint8Array> {
  if (piece.bytes.length < TAG_SIZE) {
    throw new DecryptionError(
      piece.bytes.length === 0 ? 'missing: the stream ends before its last chunk' : `only ${piece.bytes.length} bytes, shorter than its tag`,
      piece.index,
    );
  }
  try {
    return await cipher.open(iv(header, piece), piece.bytes);
  } catch (cause) {
    // GCM cannot tell these causes apart: each changes the tag the chunk must carry.
    const why = piece.last
      ? 'the stream was cut short, or this chunk was altered, moved or sealed under another key'
      : 'this chunk was altered, moved, taken from another stream or sealed under another key, or bytes follow the last chunk';
    throw new DecryptionError(`authentication failed (${why})`, piece.index, cause);
  }
}
