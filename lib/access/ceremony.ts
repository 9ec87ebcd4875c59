/**
 * The one-time dealer ceremony of the local key network: a BLS12-381 secret is drawn, Shamir-split into one
 * share per node (any `threshold` of them recombine it), each share is written only to its own node's
 * directory (mode 0600), and only public information goes to `network.json`. The whole secret never touches
 * disk; its bytes are wiped after use (a JS bigint cannot be wiped, only dropped).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretKey } from '@chainsafe/blst';
import { z } from 'zod';
import { publicKeyHex, randomScalar, scalarToBytes, shareX, splitSecret } from './bls';
import { KeyCeremonyError } from './errors';

const compressedG1 = z.string().regex(/^[0-9a-f]{96}$/, 'a compressed G1 point (96 hex digits)');

/** What every node and client may know about the network: `dir/network.json`. */
export const networkInfoSchema = z.object({
  version: z.literal(1),
  nodes: z.number().int().min(2),
  threshold: z.number().int().min(2),
  /** The network's public key (compressed G1, hex): what keys are encrypted to. */
  publicKey: compressedG1,
  /** Public key of each node's share, to check a share before combining it. */
  sharePublicKeys: z.array(compressedG1),
  createdAt: z.iso.datetime(),
});
export type NetworkInfo = z.infer<typeof networkInfoSchema>;

const shareFileSchema = z.object({
  index: z.number().int().nonnegative(),
  /** f(index + 1): 32 big-endian bytes, hex. */
  share: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A node's secret share, loaded for signing. */
export interface NodeShare {
  index: number;
  x: bigint;
  secretKey: SecretKey;
  publicKey: string;
}

/** `dir/network.json`: the public description of the network. */
export function networkFile(dir: string): string {
  return path.join(dir, 'network.json');
}

/** `dir/node-<index>`: what belongs to node `index` only. */
export function nodeDir(dir: string, index: number): string {
  return path.join(dir, `node-${index}`);
}

function shareFile(dir: string, index: number): string {
  return path.join(nodeDir(dir, index), 'share.json');
}

/** Writes `text` to `file` atomically (temporary file, then rename) with `mode`. */
function writePrivately(file: string, text: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode); // a leftover temporary file keeps its old mode otherwise
  renameSync(temporary, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new KeyCeremonyError(`${file} cannot be read as JSON`, 'restore it from a backup', cause);
  }
}

/** Reads and validates `dir/network.json`. */
export function readNetworkInfo(dir: string): NetworkInfo {
  const file = networkFile(dir);
  if (!existsSync(file)) {
    throw new KeyCeremonyError(`no key network in ${dir}`, 'start the market (`npm start`), which runs the key ceremony once');
  }
  const parsed = networkInfoSchema.safeParse(readJson(file));
  if (!parsed.success) {
    throw new KeyCeremonyError(`${file} is malformed: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`, 'restore it from a backup');
  }
  return parsed.data;
}

/** Loads node `index`'s share, refusing a file others can read or one that does not match `network.json`. */
export function readNodeShare(dir: string, index: number): NodeShare {
  const info = readNetworkInfo(dir);
  const file = shareFile(dir, index);
  if (index >= info.nodes) throw new KeyCeremonyError(`the network in ${dir} has ${info.nodes} nodes; there is no node ${index}`, 'run key nodes 0 to n − 1 only');
  if (!existsSync(file)) throw new KeyCeremonyError(`${file} is missing`, 'restore the share from a backup: without enough shares the wrapped keys are lost');
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new KeyCeremonyError(`${file} is readable by other users (mode ${mode.toString(8)})`, `chmod 600 ${file}`);
  const parsed = shareFileSchema.safeParse(readJson(file));
  if (!parsed.success || parsed.data.index !== index) throw new KeyCeremonyError(`${file} is malformed`, 'restore the share from a backup');
  const bytes = Uint8Array.from(Buffer.from(parsed.data.share, 'hex'));
  const secretKey = SecretKey.fromBytes(bytes);
  bytes.fill(0);
  const publicKey = Buffer.from(secretKey.toPublicKey().toBytes(true)).toString('hex');
  if (publicKey !== info.sharePublicKeys[index]) {
    throw new KeyCeremonyError(`${file} does not belong to the network in ${networkFile(dir)}`, 'restore the matching share from a backup');
  }
  return { index, x: shareX(index), secretKey, publicKey };
}

/** Throws KeyCeremonyError unless the network in `dir` (`info`) has `nodes` nodes and `threshold`. */
export function assertNetworkShape(info: NetworkInfo, dir: string, nodes: number, threshold: number): void {
  if (info.nodes === nodes && info.threshold === threshold) return;
  throw new KeyCeremonyError(
    `${dir} holds a ${info.threshold}-of-${info.nodes} key network, but the configuration asks for ${threshold}-of-${nodes}`,
    `set DATAGORA_KEYNODES=${info.nodes} and DATAGORA_KEYNODE_THRESHOLD=${info.threshold}, or move ${dir} away to deal a new network (keys wrapped for the old one then cannot be opened)`,
  );
}

/** Deals a fresh network into `dir`: shares first, `network.json` last, so a crash leaves no half network. */
function deal(dir: string, nodes: number, threshold: number): NetworkInfo {
  let secret = randomScalar();
  const publicKey = publicKeyHex(secret);
  const shares = splitSecret(secret, nodes, threshold);
  secret = 0n; // drop the only reference to the whole secret
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sharePublicKeys = shares.map((share, index) => {
    mkdirSync(nodeDir(dir, index), { recursive: true, mode: 0o700 });
    const bytes = scalarToBytes(share);
    const hex = Buffer.from(bytes).toString('hex');
    bytes.fill(0);
    writePrivately(shareFile(dir, index), JSON.stringify({ index, share: hex }) + '\n', 0o600);
    return publicKeyHex(share);
  });
  const info: NetworkInfo = { version: 1, nodes, threshold, publicKey, sharePublicKeys, createdAt: new Date().toISOString() };
  writePrivately(networkFile(dir), JSON.stringify(info, null, 2) + '\n', 0o644);
  return info;
}

/**
 * Runs the key ceremony into `dir` unless a network is already there: then it is kept, and it must have the
 * asked `nodes` and `threshold` (a network is never silently replaced: data keys wrapped for it would be lost).
 * Returns the network's public information.
 */
export async function ensureKeyNetwork(dir: string, nodes: number, threshold: number, log?: (line: string) => void): Promise<NetworkInfo> {
  if (!Number.isInteger(threshold) || threshold < 2 || !Number.isInteger(nodes) || threshold > nodes) {
    throw new KeyCeremonyError(
      `a ${threshold}-of-${nodes} network is impossible`,
      'use a threshold of at least 2 (Lit’s combiner needs two shares) and at most the number of nodes',
    );
  }
  if (existsSync(networkFile(dir))) {
    const info = readNetworkInfo(dir);
    assertNetworkShape(info, dir, nodes, threshold);
    for (let index = 0; index < nodes; index++) readNodeShare(dir, index);
    log?.(`using the ${threshold}-of-${nodes} key network in ${dir}`);
    return info;
  }
  const info = deal(dir, nodes, threshold);
  log?.(`dealt a ${threshold}-of-${nodes} key network into ${dir} (public key ${info.publicKey.slice(0, 16)}…)`);
  return info;
}
