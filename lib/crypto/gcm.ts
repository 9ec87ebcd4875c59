/**
 * AES-256-GCM one chunk at a time, under the stream's key (HKDF-SHA256 of the data key with the stream's salt):
 * node:crypto on Node, WebCrypto elsewhere, chosen at run time. Both give the same bytes.
 *
 * On Node, WebCrypto copies each chunk, hops to the thread pool and back, and allocates its output: three
 * MiB-sized buffers per MiB, and V8 runs a full garbage collection every few dozen MB of them, which cost a
 * publishing process more CPU than the cipher itself. node:crypto works in place of the call, on the caller's
 * bytes, with one output buffer.
 */
import type * as NodeCrypto from 'node:crypto';
import type { StreamHeader } from './format';
import { TAG_SIZE } from './format';
import { nodeCrypto } from './runtime';

const HKDF_INFO = new TextEncoder().encode('datagora/stream/v1');
const KEY_SIZE = 32;

/** Seals and opens one chunk of a stream; the stream's header is every chunk's additional data. */
export interface ChunkCipher {
  /**
   * Chunks worth working on at once: WebCrypto works off the calling thread, so several overlap reading and
   * the consumer; node:crypto is done when the call returns.
   */
  readonly depth: number;
  /** The chunk's ciphertext then its tag (possibly as two pieces). Reads `plaintext` before it returns. */
  seal(iv: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array[]>;
  /** The plaintext of a ciphertext-and-tag chunk; rejects when the tag does not verify. */
  open(iv: Uint8Array<ArrayBuffer>, chunk: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

/** The cipher for a stream with `header` under `dataKey`: node:crypto's on Node, WebCrypto's elsewhere. */
export function chunkCipher(dataKey: Uint8Array<ArrayBuffer>, header: StreamHeader): Promise<ChunkCipher> {
  const node = nodeCrypto();
  return node ? Promise.resolve(nodeChunkCipher(node, dataKey, header)) : webChunkCipher(dataKey, header);
}

export function nodeChunkCipher(node: typeof NodeCrypto, dataKey: Uint8Array, header: StreamHeader): ChunkCipher {
  const key = node.createSecretKey(new Uint8Array(node.hkdfSync('sha256', dataKey, header.salt, HKDF_INFO, KEY_SIZE)));
  const aad = header.bytes;
  return {
    depth: 1,
    async seal(iv, plaintext) {
      const cipher = node.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE }).setAAD(aad);
      const ciphertext = cipher.update(plaintext);
      cipher.final();
      return [ciphertext, cipher.getAuthTag()];
    },
    async open(iv, chunk) {
      const body = chunk.length - TAG_SIZE;
      const decipher = node.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE }).setAAD(aad).setAuthTag(chunk.subarray(body));
      const plaintext = decipher.update(chunk.subarray(0, body));
      decipher.final();
      return plaintext;
    },
  };
}

export async function webChunkCipher(dataKey: Uint8Array<ArrayBuffer>, header: StreamHeader): Promise<ChunkCipher> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: header.salt, info: HKDF_INFO },
    base,
    { name: 'AES-GCM', length: KEY_SIZE * 8 },
    false,
    ['encrypt', 'decrypt'],
  );
  const params = (iv: Uint8Array<ArrayBuffer>): AesGcmParams => ({ name: 'AES-GCM', iv, additionalData: header.bytes, tagLength: TAG_SIZE * 8 });
  return {
    depth: 4,
    // WebCrypto copies its input when called, so the caller may reuse `plaintext` at once.
    seal: async (iv, plaintext) => [new Uint8Array(await crypto.subtle.encrypt(params(iv), key, plaintext))],
    open: async (iv, chunk) => new Uint8Array(await crypto.subtle.decrypt(params(iv), key, chunk)),
  };
}
