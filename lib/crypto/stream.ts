/**
 * Streamed authenticated encryption of dataset files with WebCrypto only, so the same code runs in Node and
 * in the browser. Memory stays constant: a few chunks are in flight whatever the file size.
 */
import { ByteReader, fixedPieces, inOrder, type ByteSource, type Piece } from './chunks';
import { DecryptionError, InvalidDataKeyError } from './errors';
import { checkChunkSize, chunkIv, DEFAULT_CHUNK_SIZE, HEADER_SIZE, newHeader, parseHeader, TAG_SIZE, type StreamHeader } from './format';

export const DATA_KEY_SIZE = 32;
const HKDF_INFO = new TextEncoder().encode('datagora/stream/v1');
/** Chunk encryptions in flight: enough to overlap WebCrypto's thread pool with reading and the consumer. */
const PIPELINE_DEPTH = 4;

export interface EncryptOptions {
  /** Plaintext bytes per chunk: a power of two from 4 KiB to 16 MiB; default 1 MiB. */
  chunkSize?: number;
}

/** A fresh random 32-byte data key. */
export function generateDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(DATA_KEY_SIZE));
}

function checkDataKey(dataKey: Uint8Array): Uint8Array<ArrayBuffer> {
  if (dataKey.length !== DATA_KEY_SIZE) throw new InvalidDataKeyError(dataKey.length);
  return Uint8Array.from(dataKey);
}

/** The stream's AES-256-GCM key: HKDF-SHA256 of the data key with the stream's salt, not extractable. */
async function streamKey(dataKey: Uint8Array<ArrayBuffer>, header: StreamHeader): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: header.salt, info: HKDF_INFO },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function gcm(header: StreamHeader, piece: Piece): AesGcmParams {
  return { name: 'AES-GCM', iv: chunkIv(header.noncePrefix, piece.index, piece.last), additionalData: header.bytes, tagLength: TAG_SIZE * 8 };
}

/**
 * Encrypts `source` (pieces of any size) into the DGE1 format: the header, then one ciphertext chunk at a time.
 * Throws InvalidDataKeyError / InvalidChunkSizeError at once, before reading anything.
 */
export function encryptStream(dataKey: Uint8Array, source: ByteSource, options: EncryptOptions = {}): AsyncIterable<Uint8Array> {
  const key = checkDataKey(dataKey);
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  return encrypted(key, source, chunkSize);
}

async function* encrypted(dataKey: Uint8Array<ArrayBuffer>, source: ByteSource, chunkSize: number): AsyncGenerator<Uint8Array, void, undefined> {
  const header = newHeader(chunkSize);
  const key = await streamKey(dataKey, header);
  const reader = new ByteReader(source);
  try {
    yield header.bytes;
    yield* inOrder(fixedPieces(reader, chunkSize), PIPELINE_DEPTH, async (piece) => new Uint8Array(await crypto.subtle.encrypt(gcm(header, piece), key, piece.bytes)));
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
    const key = await streamKey(dataKey, header);
    yield* inOrder(fixedPieces(reader, header.chunkSize + TAG_SIZE), PIPELINE_DEPTH, (piece) => openChunk(key, header, piece));
  } finally {
    await reader.close();
  }
}

async function openChunk(key: CryptoKey, header: StreamHeader, piece: Piece): Promise<Uint8Array> {
  if (piece.bytes.length < TAG_SIZE) {
    throw new DecryptionError(
      piece.bytes.length === 0 ? 'missing: the stream ends before its last chunk' : `only ${piece.bytes.length} bytes, shorter than its tag`,
      piece.index,
    );
  }
  try {
    return new Uint8Array(await crypto.subtle.decrypt(gcm(header, piece), key, piece.bytes));
  } catch (cause) {
    // GCM cannot tell these causes apart: each changes the tag the chunk must carry.
    const why = piece.last
      ? 'the stream was cut short, or this chunk was altered, moved or sealed under another key'
      : 'this chunk was altered, moved, taken from another stream or sealed under another key, or bytes follow the last chunk';
    throw new DecryptionError(`authentication failed (${why})`, piece.index, cause);
  }
}
