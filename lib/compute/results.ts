/**
 * A job's results, encrypted to its buyer. The buyer's client makes an X25519 key pair per job and sends the
 * public half with the job (bound by its sign-in); the node encrypts every released file (DGE1, one fresh
 * results key per job) into IPFS with a manifest of names, sizes and SHA-256s, and wraps the results key to the
 * buyer's public key (ephemeral X25519, HKDF-SHA256, AES-256-GCM). Only the buyer's client can open them.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sha256, toHex, type Hex } from 'viem';
import { z } from 'zod';
import { createSha256, decryptStream, encryptStream, generateDataKey } from '../crypto';
import { DatagoraError } from '../errors';
import type { ContentStore } from '../storage';

const WRAP_INFO = Buffer.from('datagora/results-key/v1');
export const RESULTS_FORMAT = 'datagora/job-results/v1';

/** The results are unreadable: wrong key, tampered files or a malformed manifest. */
export class ResultsError extends DatagoraError {
  constructor(message: string, hint = 'fetch the results again; if it persists, the provider released bad results', options?: { cause?: unknown }) {
    super(message, hint, options);
  }
}

export interface ResultKeyPair {
  /** Raw X25519 public key, base64url. */
  publicKey: string;
  /** PKCS#8 DER, base64url. Never leaves the buyer's machine. */
  privateKey: string;
}

/** A fresh key pair a buyer's client makes for one job. */
export function generateResultKeyPair(): ResultKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
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
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([Buffer.from(epk, 'base64url'), Buffer.from(recipient, 'base64url')]), WRAP_INFO, 32));
}

function x25519Public(raw: string) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
}

/** Wraps a 32-byte results key to the buyer's public key. */
export function wrapResultsKey(key: Uint8Array, recipient: string): WrappedKey {
  const ephemeral = generateKeyPairSync('x25519');
  const epk = ephemeral.publicKey.export({ format: 'jwk' }).x!;
  const kek = keyEncryptionKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519Public(recipient) }), epk, recipient);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  return { alg: 'X25519-HKDF-SHA256-A256GCM', epk, iv: iv.toString('base64url'), ciphertext: ciphertext.toString('base64url') };
}

/** Unwraps the results key with the buyer's private key. */
export function unwrapResultsKey(wrapped: WrappedKey, keyPair: ResultKeyPair): Uint8Array {
  const privateKey = createPrivateKey({ key: Buffer.from(keyPair.privateKey, 'base64url'), format: 'der', type: 'pkcs8' });
  const kek = keyEncryptionKey(diffieHellman({ privateKey, publicKey: x25519Public(wrapped.epk) }), wrapped.epk, keyPair.publicKey);
  const sealed = Buffer.from(wrapped.ciphertext, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(wrapped.iv, 'base64url'));
    decipher.setAuthTag(sealed.subarray(32));
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, 32)), decipher.final()]));
  } catch (error) {
    throw new ResultsError('the results key does not open with this job’s private key', 'use the machine and DATAGORA_HOME the job was requested from', { cause: error });
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
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function fileSha256(file: string): Promise<string> {
  const hash = createSha256();
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return toHex(hash.digest()).slice(2);
}

/** The hash a receipt names for a set of files: SHA-256 of their sorted `path size sha256` lines. */
export function filesHash(files: readonly ResultFile[]): Hex {
  const lines = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
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
 * Returns the manifest's CID, the wrapped key and the hashes the receipt names.
 */
export async function storeResults(
  store: ContentStore,
  jobId: bigint,
  dirs: { outputs?: string; logs?: string },
  recipient: string,
): Promise<{ cid: string; wrappedKey: WrappedKey; outputHash: Hex; logsHash: Hex; outputs: ResultFile[]; logs: ResultFile[] }> {
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
  return { cid: added.cid, wrappedKey: wrapResultsKey(key, recipient), outputHash: filesHash(describe(outputs)), logsHash: filesHash(describe(logs)), outputs: describe(outputs), logs: describe(logs) };
}

async function collect(source: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of source) {
    size += part.length;
    if (size > limit) throw new ResultsError(`the results manifest is over ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/**
 * Fetches and decrypts results into `outDir/outputs` and `outDir/logs`, checking every file's size and SHA-256
 * against the manifest. A file appears only once verified.
 */
export async function fetchResults(store: ContentStore, cid: string, key: Uint8Array, outDir: string): Promise<ResultsManifest> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await collect(decryptStream(key, store.cat(cid)), 16 << 20)));
  } catch (error) {
    if (error instanceof ResultsError) throw error;
    throw new ResultsError(`the results manifest ${cid} does not decrypt with the job’s key: ${(error as Error).message}`);
  }
  const parsed = resultsManifestSchema.safeParse(json);
  if (!parsed.success) throw new ResultsError(`the results manifest ${cid} is malformed`);
  const manifest = parsed.data;
  for (const [kind, files] of [['outputs', manifest.outputs], ['logs', manifest.logs]] as const) {
    for (const f of files) {
      const target = path.join(outDir, kind, ...f.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      const partial = `${target}.partial`;
      const hash = createSha256();
      let size = 0;
      async function* verified(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      }
      try {
        await pipeline(verified(decryptStream(key, store.cat(f.cid))), createWriteStream(partial));
        const digest = toHex(hash.digest()).slice(2);
        if (digest !== f.sha256 || size !== f.size) throw new ResultsError(`${kind}/${f.path} decrypted to ${size} bytes with SHA-256 ${digest}, but the manifest says ${f.size} bytes with ${f.sha256}`);
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    }
  }
  return manifest;
}
