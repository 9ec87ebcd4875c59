/** Shared data for the storage tests: deterministic files and the CIDs Kubo gives them. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `size` bytes of a fixed pattern (i mod 251: no period aligned with the 262144-byte chunks). */
export function patternBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

/**
 * CIDs of patternBytes(size) under Kubo's `ipfs add --cid-version=1` settings, from a real Kubo RPC
 * daemon (js-ipfs 0.66, whose importer matches Kubo's), with the DAG size its `add` reports. 45875200 bytes
 * is 175 chunks: one more than a dag-pb node links, so the balanced tree gets a second level.
 */
export const KUBO_VECTORS: { size: number; cid: string; dagSize: number }[] = [
  { size: 0, cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', dagSize: 0 },
  { size: 1, cid: 'bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu', dagSize: 1 },
  { size: 262_143, cid: 'bafkreiagptg6ztonoojy4wflk3wwusl5xt4vcy6uult4wa7oemsjtxhjsu', dagSize: 262_143 },
  { size: 262_144, cid: 'bafkreibruh455iawsviqslif5c7uurdcfdemh22mtnytyzvnzn75kpejxy', dagSize: 262_144 },
  { size: 262_145, cid: 'bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi', dagSize: 262_249 },
  { size: 3_000_000, cid: 'bafybeicptzmh5x5nlaqtfkrh2k6lrcqygm7mdep7frcti2af2u7r5xdzw4', dagSize: 3_000_609 },
  { size: 45_875_200, cid: 'bafybeie73j3heycdgkdsehpoe6cxh2y3iywtf6djpi3dzqrywevvjmazny', dagSize: 45_884_079 },
];

export const HELLO = new TextEncoder().encode('hello world\n');
/** Kubo's CIDs for "hello world\n": `ipfs add --cid-version=1` and plain `ipfs add`. */
export const HELLO_CID_V1 = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4';
export const HELLO_CID_V0 = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

/** A canonical DAG-JSON block linking to "hello world\n", and its CID from the js-ipfs daemon's block/put. */
export const LINKING_BLOCK = new TextEncoder().encode(JSON.stringify({ a: 1, link: { '/': HELLO_CID_V1 } }));
export const LINKING_BLOCK_CID = 'baguqeeral7xres3npz2bjq25wxqhbasjukqpnimw5lwrtsudw2jeshz7gcwq';

/** A valid CID no test ever stores. */
export const ABSENT_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

/** Everything an async iterable yields, as one buffer. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Yields `bytes` in pieces of `size`, like a network upload. */
export async function* inPieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

/** A fresh temporary directory and its removal. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `datagora-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
