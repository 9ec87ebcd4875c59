/**
 * The DGE1 ciphertext format: a 29-byte header, then AES-256-GCM chunks whose IVs bind each chunk to its
 * position and to whether it is the last one (the STREAM construction, as in Tink's AES-GCM-HKDF streaming).
 *
 *   header  = "DGE1" | version (1) | log2(chunkSize) (1) | salt (16) | nonce prefix (7)
 *   chunk i = AES-GCM(key, iv = prefix | uint32BE(i) | last ? 0x01 : 0x00, aad = header, plaintext) | tag (16)
 */
import { DecryptionError, InvalidChunkSizeError, StreamSizeError } from './errors';

/** Name of this scheme as metadata documents record it. */
export const ENCRYPTION_SCHEME = 'DGE1-AES-256-GCM-HKDF-SHA256';
const MAGIC = [0x44, 0x47, 0x45, 0x31]; // "DGE1"
const FORMAT_VERSION = 1;
const SALT_SIZE = 16;
const NONCE_PREFIX_SIZE = 7;
export const HEADER_SIZE = MAGIC.length + 2 + SALT_SIZE + NONCE_PREFIX_SIZE;
export const TAG_SIZE = 16;
const IV_SIZE = 12;
/** Plaintext bytes per chunk unless the caller picks another size. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;
const MIN_LOG2_CHUNK = 12; // 4 KiB
const MAX_LOG2_CHUNK = 24; // 16 MiB
/** The IV holds the chunk index in 32 bits. */
const MAX_CHUNKS = 2 ** 32;

export interface StreamHeader {
  /** The 29 header bytes, authenticated as every chunk's additional data. */
  bytes: Uint8Array<ArrayBuffer>;
  chunkSize: number;
  salt: Uint8Array<ArrayBuffer>;
  noncePrefix: Uint8Array<ArrayBuffer>;
}

/** Whether `chunkSize` is an allowed chunk size: a power of two from 4 KiB to 16 MiB. */
export function isChunkSize(chunkSize: number): boolean {
  const log2 = Math.log2(chunkSize);
  return Number.isInteger(log2) && log2 >= MIN_LOG2_CHUNK && log2 <= MAX_LOG2_CHUNK;
}

/** log2 of `chunkSize`, after checking it is an allowed chunk size. */
function log2ChunkSize(chunkSize: number): number {
  if (!isChunkSize(chunkSize)) throw new InvalidChunkSizeError(chunkSize);
  return Math.log2(chunkSize);
}

/** Returns `chunkSize` if it is a power of two in 4 KiB … 16 MiB, else throws InvalidChunkSizeError. */
export function checkChunkSize(chunkSize: number): number {
  log2ChunkSize(chunkSize);
  return chunkSize;
}

/** A header for a new stream with fresh random salt and nonce prefix. */
export function newHeader(chunkSize: number): StreamHeader {
  const bytes = new Uint8Array(HEADER_SIZE);
  bytes.set(MAGIC, 0);
  bytes[MAGIC.length] = FORMAT_VERSION;
  bytes[MAGIC.length + 1] = log2ChunkSize(chunkSize);
  crypto.getRandomValues(bytes.subarray(MAGIC.length + 2));
  return headerParts(bytes, chunkSize);
}

/** Parses and checks the first HEADER_SIZE bytes of a stream; throws DecryptionError if they are not a DGE1 header. */
export function parseHeader(bytes: Uint8Array<ArrayBuffer>): StreamHeader {
  if (bytes.length < HEADER_SIZE) throw new DecryptionError(`the stream is ${bytes.length} bytes, shorter than the ${HEADER_SIZE}-byte header`, null);
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) throw new DecryptionError('not a Datagora encrypted stream (no DGE1 magic)', null);
  const version = bytes[MAGIC.length];
  if (version !== FORMAT_VERSION) throw new DecryptionError(`unsupported format version ${version}`, null);
  const log2 = bytes[MAGIC.length + 1] ?? 0;
  if (log2 < MIN_LOG2_CHUNK || log2 > MAX_LOG2_CHUNK) throw new DecryptionError(`chunk size 2^${log2} is out of range`, null);
  return headerParts(bytes, 2 ** log2);
}

function headerParts(bytes: Uint8Array<ArrayBuffer>, chunkSize: number): StreamHeader {
  const saltStart = MAGIC.length + 2;
  return {
    bytes,
    chunkSize,
    salt: bytes.slice(saltStart, saltStart + SALT_SIZE),
    noncePrefix: bytes.slice(saltStart + SALT_SIZE, HEADER_SIZE),
  };
}

/** The IV of chunk `index`: nonce prefix | uint32BE(index) | last-chunk flag. */
export function chunkIv(noncePrefix: Uint8Array, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  if (index >= MAX_CHUNKS) throw new StreamSizeError(`a stream holds at most 2^32 chunks`);
  const iv = new Uint8Array(IV_SIZE);
  iv.set(noncePrefix, 0);
  new DataView(iv.buffer).setUint32(NONCE_PREFIX_SIZE, index);
  iv[IV_SIZE - 1] = last ? 1 : 0;
  return iv;
}

function checkSize(name: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new StreamSizeError(`${name} ${size} is not a byte count`);
}

/** Exact ciphertext size of `plaintextSize` bytes encrypted in chunks of `chunkSize` (an empty file is one empty chunk). */
export function ciphertextSize(plaintextSize: number, chunkSize: number = DEFAULT_CHUNK_SIZE): number {
  checkSize('plaintext size', plaintextSize);
  checkChunkSize(chunkSize);
  const chunks = Math.max(1, Math.ceil(plaintextSize / chunkSize));
  return HEADER_SIZE + plaintextSize + chunks * TAG_SIZE;
}

/** Exact plaintext size of a `ciphertextSize`-byte stream; throws StreamSizeError for a size no stream can have. */
export function plaintextSize(ciphertextSize: number, chunkSize: number = DEFAULT_CHUNK_SIZE): number {
  checkSize('ciphertext size', ciphertextSize);
  checkChunkSize(chunkSize);
  const body = ciphertextSize - HEADER_SIZE;
  const segment = chunkSize + TAG_SIZE;
  const rest = body % segment;
  const chunks = Math.floor(body / segment) + (rest > 0 ? 1 : 0);
  if (body < TAG_SIZE || (rest > 0 && rest < TAG_SIZE)) {
    throw new StreamSizeError(`no stream of ${chunkSize}-byte chunks is ${ciphertextSize} bytes long`);
  }
  return body - chunks * TAG_SIZE;
}
