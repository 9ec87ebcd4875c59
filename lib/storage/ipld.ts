/**
 * What every adapter agrees on: CID parsing, Kubo's import settings and the DAG-JSON blocks the market stores.
 * multiformats and @ipld/dag-json are ESM-only, hence the dynamic imports.
 */
import type { Pin } from 'helia';
import type { CID as OwnCid } from 'multiformats/cid';
import { InvalidBlockError, InvalidCidError } from './errors';
import { loadEsm } from '../esm';

/** A CID as Helia and kubo-rpc-client are typed against (multiformats 14). */
export type CID = Pin['cid'];

/**
 * The app's `multiformats` (13.x) is not the copy Helia and kubo-rpc-client use (14.x, nested). Their CIDs
 * are interchangeable at run time (both libraries accept any CID-shaped object); only the typings differ,
 * in Uint8Array's type parameter. With a single multiformats 14 in the tree this becomes a no-op.
 */
export function asCid(cid: OwnCid): CID {
  return cid as unknown as CID;
}

/** Kubo's fixed chunk size (`--chunker=size-262144`, its default). */
export const KUBO_CHUNK_SIZE = 262_144;

/** Largest block IPFS nodes exchange; Kubo's `block put` refuses bigger ones without --allow-big-block. */
export const MAX_BLOCK_SIZE = 1_048_576;

/** Multicodec codes of the block formats the market stores. */
export const CODEC = { raw: 0x55, dagPb: 0x70, dagJson: 0x0129 } as const;

/** Parses a CID string (CIDv0 Qm…, CIDv1 in base32 or base58btc); throws InvalidCidError otherwise. */
export async function parseCid(value: string): Promise<CID> {
  const { CID } = await loadEsm('multiformats/cid', () => import('multiformats/cid'));
  try {
    return asCid(CID.parse(value));
  } catch (cause) {
    throw new InvalidCidError(value, cause);
  }
}

/** True for the codecs UnixFS content is made of (files are dag-pb trees with raw leaves). */
export function isUnixFs(cid: CID): boolean {
  return cid.code === CODEC.dagPb || cid.code === CODEC.raw;
}

/**
 * The CIDv1 (sha2-256) of a DAG-JSON block after checking it is one: at most MAX_BLOCK_SIZE bytes and
 * decodable. Every adapter checks the same way, so a bad block fails alike whichever node is configured.
 */
export async function dagJsonBlockCid(bytes: Uint8Array): Promise<CID> {
  if (bytes.byteLength > MAX_BLOCK_SIZE) {
    throw new InvalidBlockError(`${bytes.byteLength} bytes is over the ${MAX_BLOCK_SIZE}-byte block limit`);
  }
  const dagJson = await loadEsm('@ipld/dag-json', () => import('@ipld/dag-json'));
  const { sha256 } = await loadEsm('multiformats/hashes/sha2', () => import('multiformats/hashes/sha2'));
  const { CID } = await loadEsm('multiformats/cid', () => import('multiformats/cid'));
  try {
    dagJson.decode(bytes);
  } catch (cause) {
    throw new InvalidBlockError(`not DAG-JSON (${cause instanceof Error ? cause.message : String(cause)})`, cause);
  }
  return asCid(CID.createV1(dagJson.code, await sha256.digest(bytes)));
}
