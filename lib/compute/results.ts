/**
 * A job's results, encrypted to its buyer. The buyer's client makes an X25519 key pair per job and sends the
 * public half with the job (bound by its sign-in); the node encrypts every released file (DGE1, one fresh
 * results key per job) into IPFS with a manifest of names, sizes and SHA-256s, and wraps the results key to the
 * buyer's public key (ephemeral X25519, HKDF-SHA256, AES-256-GCM). Only the buyer's client can open them.
 *
 * The browser opens results too (WebCrypto: generateResultKey, openResultsKey, readResultsManifest,
 * decryptResultFile), so Node's modules are reached only inside the functions that run on the node or the CLI.
 */
import type * as NodeCrypto from 'node:crypto';
import { sha256, toHex, type Hex } from 'viem';
import { z } from 'zod';
import { createSha256, decryptStream, encryptStream, generateDataKey, type ByteSource } from '../crypto';
import { nodeCrypto } from '../crypto/runtime';
import { outputsRoot } from '../lineage/outputs';
import { ResultsError } from './errors';
import type { ContentStore } from '../storage';

const WRAP_INFO = 'datagora/results-key/v1';
export const RESULTS_FORMAT = 'datagora/job-results/v1';
/** Largest results manifest a client decrypts. */
const MAX_MANIFEST_BYTES = 16 << 20;

/** node:crypto, for the key functions the node and the CLI call synchronously. */
function node(): typeof NodeCrypto {
  const crypto = nodeCrypto();
  if (!crypto) throw new ResultsError('this results function runs on Node.js only', 'in a browser use generateResultKey and openResultsKey');
  return crypto;
}

/** Bytes as base64url without padding (as the node's API writes keys, IVs and sign-ins), or as plain base64. */
export function toBase64(bytes: Uint8Array, alphabet: 'base64' | 'base64url' = 'base64url'): string {
  let binary = '';
  // In slices: String.fromCharCode takes its bytes as arguments, and arguments are limited. apply takes the typed
  // array as it is; spreading it goes through its iterator, 4 to 6 times slower on a federated round's 8 MB.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  const text = btoa(binary);
  return alphabet === 'base64' ? text : text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (or base64) text as bytes. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  // A plain loop: Uint8Array.from with a map function took 1.1 s on a federated round's 8 MB, this 70 ms.
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface ResultKeyPair {
  /** Raw X25519 public key, base64url. */
  publicKey: string;
  /** PKCS#8 DER, base64url. Never leaves the buyer's machine. */
  privateKey: string;
}

/** A fresh key pair a buyer's client makes for one job. */
export function generateResultKeyPair(): ResultKeyPair {
  const { publicKey, privateKey } = node().generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { publicKey: jwk.x!, privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url') };
}

export const resultPublicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a raw X25519 public key in base64url (43 characters)');

export const wrappedKeySchema = z.strictObject({
  alg: z.literal('X25519-HKDF-SHA256-A256GCM'),
  epk: resultPublicKeySchema,
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  ciphertext: z.string().regex(/^[A-Za-z0-9_-]{64}$/),
});
export type WrappedKey = z.infer<typeof wrappedKeySchema>;

function keyEncryptionKey(shared: Buffer, epk: string, recipient: string): Buffer {
  return Buffer.from(node().hkdfSync('sha256', shared, Buffer.concat([Buffer.from(epk, 'base64url'), Buffer.from(recipient, 'base64url')]), WRAP_INFO, 32));
}

function x25519Public(raw: string) {
  return node().createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
}

/** Wraps a 32-byte results key to the buyer's public key. */
export function wrapResultsKey(key: Uint8Array, recipient: string): WrappedKey {
  const crypto = node();
  const ephemeral = crypto.generateKeyPairSync('x25519');
  const epk = ephemeral.publicKey.export({ format: 'jwk' }).x!;
  const kek = keyEncryptionKey(crypto.diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519Public(recipient) }), epk, recipient);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', kek, iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  return { alg: 'X25519-HKDF-SHA256-A256GCM', epk, iv: iv.toString('base64url'), ciphertext: ciphertext.toString('base64url') };
}

/** Unwraps the results key with the buyer's private key. */
export function unwrapResultsKey(wrapped: WrappedKey, keyPair: ResultKeyPair): Uint8Array {
  const crypto = node();
  const privateKey = crypto.createPrivateKey({ key: Buffer.from(keyPair.privateKey, 'base64url'), format: 'der', type: 'pkcs8' });
  const kek = keyEncryptionKey(crypto.diffieHellman({ privateKey, publicKey: x25519Public(wrapped.epk) }), wrapped.epk, keyPair.publicKey);
  const sealed = Buffer.from(wrapped.ciphertext, 'base64url');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', kek, Buffer.from(wrapped.iv, 'base64url'));
    decipher.setAuthTag(sealed.subarray(32));
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, 32)), decipher.final()]));
  } catch (error) {
    throw new ResultsError('the results key does not open with this job’s private key', 'use the machine and DATAGORA_HOME the job was requested from', { cause: error });
  }
}

/** A buyer's per-job key in a browser: the private half is a non-extractable WebCrypto key no script can read out. */
export interface ResultKey {
  /** Raw X25519 public key, base64url. */
  publicKey: string;
  privateKey: CryptoKey;
}

/** A fresh per-job key pair made with WebCrypto: generateResultKeyPair for browsers. */
export async function generateResultKey(): Promise<ResultKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return { publicKey: toBase64(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))), privateKey: pair.privateKey };
}

/** Opens the wrapped results key with WebCrypto: unwrapResultsKey for a key made by generateResultKey. */
export async function openResultsKey(wrapped: WrappedKey, key: ResultKey): Promise<Uint8Array> {
  const { subtle } = crypto;
  try {
    const epk = fromBase64(wrapped.epk);
    const shared = await subtle.deriveBits({ name: 'X25519', public: await subtle.importKey('raw', epk, { name: 'X25519' }, false, []) }, key.privateKey, 256);
    const salt = new Uint8Array([...epk, ...fromBase64(key.publicKey)]);
    const kek = await subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt, info: new TextEncoder().encode(WRAP_INFO) },
      await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']),
      { name: 'AES-GCM', length: 256 },
      false,
      ['decrypt'],
    );
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(wrapped.iv) }, kek, fromBase64(wrapped.ciphertext)));
  } catch (error) {
    throw new ResultsError('the results key does not open with this job’s private key', 'open the results in the browser that requested the job', { cause: error });
  }
}

/** One released file. */
export interface ResultFile {
  /** Path relative to the outputs or logs directory, with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

const resultFileSchema = z.strictObject({
  path: z.string().min(1).max(1024).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the results'),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  cid: z.string().min(1).max(200),
});

export const resultsManifestSchema = z.strictObject({
  format: z.literal(RESULTS_FORMAT),
  jobId: z.string(),
  outputs: z.array(resultFileSchema).max(10_000),
  logs: z.array(resultFileSchema).max(10_000),
});
export type ResultsManifest = z.infer<typeof resultsManifestSchema>;

/** Regular files under `dir`, sorted by path (the guard has already refused links and special files). */
export async function listFiles(dir: string): Promise<{ path: string; file: string; size: number }[]> {
  const [{ lstat, readdir }, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const found: { path: string; file: string; size: number }[] = [];
  async function walk(relative: string): Promise<void> {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const file = path.join(dir, rel);
      const stat = await lstat(file);
      if (stat.isDirectory()) await walk(rel);
      else if (stat.isFile()) found.push({ path: rel, file, size: stat.size });
    }
  }
  await walk('');
  return byPath(found);
}

/** Files in the order a receipt hashes them: by path, compared code unit by code unit. */
function byPath<T extends { path: string }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The SHA-256s of `files` in path order: the leaves of their outputs root. */
export function sha256sByPath(files: readonly Pick<ResultFile, 'path' | 'sha256'>[]): string[] {
  return byPath(files).map((file) => file.sha256);
}

/** The outputs root a receipt names for released outputs: the Merkle root over their SHA-256s in path order. */
export function filesRoot(files: readonly Pick<ResultFile, 'path' | 'sha256'>[]): Hex {
  return outputsRoot(sha256sByPath(files));
}

async function fileSha256(file: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const hash = createSha256();
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return toHex(hash.digest()).slice(2);
}

/** The hash a receipt names for a set of files: SHA-256 of their sorted `path size sha256` lines. */
export function filesHash(files: readonly ResultFile[]): Hex {
  const lines = byPath(files)
    .map((f) => `${f.path}\t${f.size}\t${f.sha256}\n`)
    .join('');
  return sha256(new TextEncoder().encode(lines));
}

/** Describes the files under `dir` (for hashes), without storing them. */
export async function describeFiles(dir: string): Promise<ResultFile[]> {
  const files = await listFiles(dir);
  return Promise.all(files.map(async (f) => ({ path: f.path, size: f.size, sha256: await fileSha256(f.file) })));
}

/**
 * Encrypts the released outputs and logs into `store` under a fresh results key wrapped to `recipient`.
 * Returns the manifest's CID, the wrapped key and the hashes and outputs root the receipt names.
 */
export async function storeResults(
  store: ContentStore,
  jobId: bigint,
  dirs: { outputs?: string; logs?: string },
  recipient: string,
): Promise<{ cid: string; wrappedKey: WrappedKey; outputHash: Hex; outputsRoot: Hex; logsHash: Hex; outputs: ResultFile[]; logs: ResultFile[] }> {
  const { createReadStream } = await import('node:fs');
  const key = generateDataKey();
  async function put(dir: string | undefined) {
    if (!dir) return [];
    const stored = [];
    for (const f of await listFiles(dir)) {
      const hash = createSha256();
      async function* hashed(): AsyncGenerator<Uint8Array> {
        for await (const chunk of createReadStream(f.file)) {
          hash.update(chunk as Buffer);
          yield chunk as Buffer;
        }
      }
      const added = await store.add(encryptStream(key, hashed()));
      stored.push({ path: f.path, size: f.size, sha256: toHex(hash.digest()).slice(2), cid: added.cid });
    }
    return stored;
  }
  const outputs = await put(dirs.outputs);
  const logs = await put(dirs.logs);
  const manifest: ResultsManifest = { format: RESULTS_FORMAT, jobId: jobId.toString(), outputs, logs };
  const added = await store.add(encryptStream(key, [new TextEncoder().encode(JSON.stringify(manifest))]));
  const describe = (files: typeof outputs): ResultFile[] => files.map(({ path: p, size, sha256: s }) => ({ path: p, size, sha256: s }));
  return { cid: added.cid, wrappedKey: wrapResultsKey(key, recipient), outputHash: filesHash(describe(outputs)), outputsRoot: filesRoot(outputs), logsHash: filesHash(describe(logs)), outputs: describe(outputs), logs: describe(logs) };
}

async function collect(source: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of source) {
    size += part.length;
    if (size > limit) throw new ResultsError(`the results manifest is over ${limit} bytes`);
    parts.push(part);
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** Decrypts and checks the manifest of the results stored as `cid`, read from `ciphertext` (IPFS or a gateway). */
export async function readResultsManifest(ciphertext: ByteSource, key: Uint8Array, cid: string): Promise<ResultsManifest> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await collect(decryptStream(key, ciphertext), MAX_MANIFEST_BYTES)));
  } catch (error) {
    if (error instanceof ResultsError) throw error;
    throw new ResultsError(`the results manifest ${cid} does not decrypt with the job’s key: ${(error as Error).message}`);
  }
  const parsed = resultsManifestSchema.safeParse(json);
  if (!parsed.success) throw new ResultsError(`the results manifest ${cid} is malformed`);
  return parsed.data;
}

/**
 * One released file's plaintext, decrypted from `ciphertext` as it is read. Throws ResultsError at the end when
 * its size or SHA-256 differs from the manifest's `file` (and stops early once it is longer).
 */
export async function* decryptResultFile(ciphertext: ByteSource, key: Uint8Array, file: ResultFile, label: string): AsyncGenerator<Uint8Array> {
  const hash = createSha256();
  let size = 0;
  for await (const chunk of decryptStream(key, ciphertext)) {
    hash.update(chunk);
    size += chunk.length;
    if (size > file.size) break;
    yield chunk;
  }
  const digest = toHex(hash.digest()).slice(2);
  if (digest !== file.sha256 || size !== file.size) throw new ResultsError(`${label} decrypted to ${size} bytes with SHA-256 ${digest}, but the manifest says ${file.size} bytes with ${file.sha256}`);
}

/**
 * Where the CLI puts released files: `outDir/outputs/<path>` and `outDir/logs/<path>` (the manifest's paths are
 * relative and never climb out). A file appears only once its plaintext matched the manifest.
 */
export function resultsDirectory(outDir: string): (kind: 'outputs' | 'logs', file: ResultFile, plaintext: AsyncIterable<Uint8Array>) => Promise<string> {
  return async (kind, file, plaintext) => {
    const [{ createWriteStream }, { mkdir, rename, rm }, path, { pipeline }] = await Promise.all([import('node:fs'), import('node:fs/promises'), import('node:path'), import('node:stream/promises')]);
    const target = path.join(outDir, kind, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    try {
      await pipeline(plaintext, createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return file.path;
  };
}
