/** Streaming SHA-256 for Node (node:crypto, fast) and the browser (@noble/hashes), chosen at run time. */
import { sha256 } from '@noble/hashes/sha2';
import type { ByteSource } from './chunks';
import { HashTapError } from './errors';
import { nodeCrypto } from './runtime';

/** An incremental SHA-256. */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest; call once, after the last update. */
  digest(): Uint8Array;
}

/** A new incremental SHA-256: node:crypto's on Node, @noble/hashes' elsewhere. */
export function createSha256(): Sha256 {
  const node = nodeCrypto();
  if (node) {
    const hash = node.createHash('sha256');
    return {
      update: (bytes) => void hash.update(bytes),
      digest: () => Uint8Array.from(hash.digest()),
    };
  }
  const hash = sha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest(),
  };
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`, without a 0x prefix. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}

/** SHA-256 of `bytes` as 64 lower-case hex characters. */
export function sha256Hex(bytes: Uint8Array): string {
  const hash = createSha256();
  hash.update(bytes);
  return toHex(hash.digest());
}

/** A byte stream passed through unchanged while its SHA-256 and length are taken. */
export interface Sha256Tap extends AsyncIterable<Uint8Array> {
  /** Bytes passed through so far. */
  readonly size: number;
  /** SHA-256 of the whole source; throws HashTapError until the source has been read to its end. */
  digest(): Uint8Array;
  /** The digest as 64 lower-case hex characters. */
  hex(): string;
}

/**
 * Wraps `source` so that iterating it (once) also hashes it, e.g. the plaintext on its way into encryptStream:
 * one pass over the file gives both the ciphertext and the SHA-256 the owner signs.
 */
export function tapSha256(source: ByteSource): Sha256Tap {
  const hash = createSha256();
  let size = 0;
  let started = false;
  let digest: Uint8Array | undefined;
  async function* passThrough(): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const bytes of source) {
      hash.update(bytes);
      size += bytes.length;
      yield bytes;
    }
    digest = hash.digest();
  }
  const result = (): Uint8Array => {
    if (!digest) throw new HashTapError(started ? 'the source has not been read to its end' : 'the source has not been read');
    return digest;
  };
  return {
    get size() {
      return size;
    },
    digest: result,
    hex: () => toHex(result()),
    [Symbol.asyncIterator]() {
      if (started) throw new HashTapError('it can be iterated only once');
      started = true;
      return passThrough();
    },
  };
}
