/**
 * CIDv1 strings ↔ the registry's metadata pointers (multicodec + sha2-256 digest), without ESM packages so UI
 * code can call them synchronously. Only the canonical text form is accepted: multibase base32 ("b…").
 */
import type { Hex } from 'viem';
import { MetadataCidError } from './errors';

/** Multicodec of DAG-JSON, the codec of documents stored as IPFS blocks. */
export const DAG_JSON_CODEC = 0x0129;
/** Multicodec of DAG-JOSE, the codec of Ceramic's signed commits (documents stored as Ceramic streams). */
export const DAG_JOSE_CODEC = 0x85;
const SHA2_256 = 0x12;
const SHA2_256_SIZE = 32;
const MAX_UINT32 = 0xffff_ffff;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE32_VALUES = new Map([...BASE32].map((char, value) => [char, value]));

/** A CIDv1 with a sha2-256 multihash as DatasetRegistry stores it (`MetadataPointer`). */
export interface MetadataPointer {
  codec: number;
  digest: Hex;
}

/** The parts of a CIDv1. */
export interface ParsedCid {
  codec: number;
  hashCode: number;
  digest: Uint8Array;
}

function base32Decode(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const char of text) {
    const value = BASE32_VALUES.get(char);
    if (value === undefined) return undefined;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = buffer >> bits;
    }
  }
  // Canonical: the padding bits left over must be fewer than one character and all zero.
  if (bits >= 5 || (buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return bytes;
}

function base32Encode(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) text += BASE32[(buffer << (5 - bits)) & 31];
  return text;
}

/** Reads a minimal unsigned LEB128 varint of at most 32 bits at `offset`. */
function readVarint(bytes: Uint8Array, offset: number): [value: number, next: number] | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) return undefined; // not minimal
      return value <= MAX_UINT32 ? [value, offset + i + 1] : undefined;
    }
  }
  return undefined;
}

function writeVarint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) out.push((value % 0x80) | 0x80);
  out.push(value);
  return out;
}

/** Parses a base32 CIDv1 string (any codec and hash up to 32-bit codes); undefined if it is not one. */
export function parseCid(cid: string): ParsedCid | undefined {
  if (!cid.startsWith('b')) return undefined;
  const bytes = base32Decode(cid.slice(1));
  if (!bytes) return undefined;
  const version = readVarint(bytes, 0);
  if (!version || version[0] !== 1) return undefined;
  const codec = readVarint(bytes, version[1]);
  const hashCode = codec && readVarint(bytes, codec[1]);
  const length = hashCode && readVarint(bytes, hashCode[1]);
  if (!codec || !hashCode || !length || length[1] + length[0] !== bytes.length) return undefined;
  return { codec: codec[0], hashCode: hashCode[0], digest: bytes.subarray(length[1]) };
}

const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;

/** Whether `cid` is a CIDv0 ("Qm…") or a base32 CIDv1: the forms IPFS nodes print for content. */
export function isCid(cid: string): boolean {
  return CID_V0.test(cid) || parseCid(cid) !== undefined;
}

function hexOf(bytes: Uint8Array): Hex {
  return `0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The registry pointer for a CIDv1 with a sha2-256 multihash (any codec: dag-json for metadata documents).
 * Throws MetadataCidError for anything else.
 */
export function metadataPointer(cid: string): MetadataPointer {
  const parsed = parseCid(cid);
  if (!parsed) throw new MetadataCidError(cid, 'not a base32 CIDv1');
  if (parsed.hashCode !== SHA2_256 || parsed.digest.length !== SHA2_256_SIZE) throw new MetadataCidError(cid, 'its multihash is not sha2-256');
  if (parsed.codec === 0) throw new MetadataCidError(cid, 'codec 0 cannot be anchored');
  return { codec: parsed.codec, digest: hexOf(parsed.digest) };
}

/** The base32 CIDv1 string for a registry pointer; throws MetadataCidError for an empty or malformed one. */
export function cidFromPointer(pointer: MetadataPointer): string {
  const { codec, digest } = pointer;
  const label = `pointer { codec: ${codec}, digest: ${digest} }`;
  if (!Number.isInteger(codec) || codec <= 0 || codec > MAX_UINT32) throw new MetadataCidError(label, 'the codec is not a uint32 above 0');
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest) || /^0x0{64}$/.test(digest)) throw new MetadataCidError(label, 'the digest is not a non-zero bytes32');
  const digestBytes = Array.from({ length: SHA2_256_SIZE }, (_, i) => parseInt(digest.slice(2 + 2 * i, 4 + 2 * i), 16));
  const bytes = Uint8Array.from([...writeVarint(1), ...writeVarint(codec), SHA2_256, SHA2_256_SIZE, ...digestBytes]);
  return `b${base32Encode(bytes)}`;
}

/** Where a metadata version lives, by its codec: a Ceramic commit (dag-jose) or a block on IPFS (dag-json). */
export function metadataHome(cid: string): 'ceramic' | 'ipfs' {
  return parseCid(cid)?.codec === DAG_JOSE_CODEC ? 'ceramic' : 'ipfs';
}

/**
 * Whether `cid` names a metadata document version: a base32 CIDv1 with a sha2-256 multihash, dag-json (a block
 * on IPFS) or dag-jose (a Ceramic commit); only `codec` when one is given.
 */
export function isMetadataCid(cid: string, codec?: typeof DAG_JSON_CODEC | typeof DAG_JOSE_CODEC): boolean {
  const parsed = parseCid(cid);
  const codecs: number[] = codec === undefined ? [DAG_JSON_CODEC, DAG_JOSE_CODEC] : [codec];
  return parsed !== undefined && codecs.includes(parsed.codec) && parsed.hashCode === SHA2_256 && parsed.digest.length === SHA2_256_SIZE;
}
