/**
 * Client-side encryption of dataset files: streamed AES-256-GCM in the DGE1 chunked format (node:crypto on
 * Node, WebCrypto in the browser, the same bytes), exact size arithmetic for it, and streaming SHA-256.
 */
export { decryptStream, encryptStream, generateDataKey, DATA_KEY_SIZE, type EncryptOptions } from './stream';
export { ciphertextSize, isChunkSize, plaintextSize, DEFAULT_CHUNK_SIZE, ENCRYPTION_SCHEME, HEADER_SIZE, TAG_SIZE } from './format';
export { createSha256, sha256Hex, tapSha256, toHex, type Sha256, type Sha256Tap } from './sha256';
export type { ByteSource } from './chunks';
export * from './errors';
