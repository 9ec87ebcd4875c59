/**
 * Decoded layers of a buffer: what an algorithm could have hidden rows in. Found anywhere in the buffer (text
 * or binary), so a base64 string inside a JSON file or a gzip stream inside a pickle is decoded too:
 *
 * - base64, standard or URL-safe, padded or not, wrapped or not: runs of ≥ 24 alphabet characters (a run
 *   continues over a line break when the line before it held ≥ 24 characters); '=' splits separately padded
 *   pieces; a run whose length is not a multiple of 4 is also decoded from offsets 1–3, in case it was glued
 *   to a word;
 * - hex, either case: runs of ≥ 32 hex digits (lines joined the same way), from offsets 0 and 1 when odd;
 * - gzip (magic 1f 8b 08, header parsed), zlib (CMF 0x78, the 32 KiB window every zlib uses by default, and a
 *   valid FLG; smaller windows are not looked for: "80" in text would be a candidate), zip entries (deflated; stored entries
 *   are plain bytes already) and raw deflate at the start of a binary buffer;
 * - UTF-16 (a BOM, or every other byte zero).
 *
 * All pieces of one encoding make one layer (see layerData), so a finding names each encoding once.
 *
 * Decompression is streamed and stops at a cap, so a bomb costs at most the cap. Content the guard cannot
 * decode (bzip2, xz, 7z, zstd, lz4, encrypted or bzip2/lzma zip entries) and streams expanding past the cap
 * are reported as opaque: the guard refuses what it cannot inspect.
 */
import zlib from 'node:zlib';

/** A decoded view of (parts of) a buffer. */
export interface Layer {
  encoding: 'base64' | 'hex' | 'gzip' | 'zlib' | 'deflate' | 'zip' | 'utf16';
  data: Buffer;
}

/** Content that is there but cannot be inspected, at byte `at` of the buffer. */
export interface Opaque {
  what: string;
  at: number;
}

/** Bytes of decoded output the whole inspection may still produce. */
export class DecodeBudget {
  constructor(public remaining: number) {}
}

export const MIN_BASE64_CHARS = 24;
export const MIN_HEX_CHARS = 32;
/** Most one compressed stream may expand to before it is refused. */
export const STREAM_CAP = 64 * 1024 * 1024;

const BASE64 = new Uint8Array(256);
const HEX = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') BASE64[char.charCodeAt(0)] = 1;
BASE64['='.charCodeAt(0)] = 2;
for (const char of '0123456789abcdefABCDEF') HEX[char.charCodeAt(0)] = 1;

/**
 * Runs of `alphabet` characters (class 1, or 2 inside a run) of at least `min` in all, each as its line
 * segments [start, end): a run goes on past one line break when the segment before it had ≥ `min` characters.
 */
function runs(bytes: Uint8Array, alphabet: Uint8Array, min: number): [number, number][][] {
  const found: [number, number][][] = [];
  let i = 0;
  while (i < bytes.length) {
    if (alphabet[bytes[i]!] !== 1) {
      i++;
      continue;
    }
    const segments: [number, number][] = [];
    let total = 0;
    for (;;) {
      const start = i;
      while (i < bytes.length && alphabet[bytes[i]!] !== 0) i++;
      segments.push([start, i]);
      total += i - start;
      let next = i;
      if (bytes[next] === 13) next++;
      if (bytes[next] !== 10) break;
      next++;
      if (i - start < min || alphabet[bytes[next]!] !== 1) break;
      i = next;
    }
    if (total >= min) found.push(segments);
  }
  return found;
}

/** Line texts of a run: joined when every line but the last has a whole number of `unit`s, else apart. */
function runTexts(bytes: Buffer, segments: [number, number][], unit: number): string[] {
  const texts = segments.map(([start, end]) => bytes.toString('latin1', start, end));
  const block = texts.slice(0, -1).every((text) => text.length % unit === 0);
  return block ? [texts.join('')] : texts;
}

/** Decoded pieces, in order, and decodings from shifted offsets (in case a run was glued to a word). */
interface Pieces {
  main: Buffer[];
  shifted: Buffer[];
}

function base64Pieces(bytes: Buffer, budget: DecodeBudget): Pieces {
  const pieces: Pieces = { main: [], shifted: [] };
  for (const segments of runs(bytes, BASE64, MIN_BASE64_CHARS)) {
    for (const text of runTexts(bytes, segments, 4)) {
      for (const part of text.split(/=+/)) {
        if (part.length < 8) continue;
        const offsets = part.length % 4 === 0 ? [0] : [0, 1, 2, 3];
        for (const offset of offsets) {
          if (budget.remaining <= 0) return pieces;
          const piece = Buffer.from(part.slice(offset), 'base64');
          budget.remaining -= piece.length;
          (offset === 0 ? pieces.main : pieces.shifted).push(piece);
        }
      }
    }
  }
  return pieces;
}

function hexPieces(bytes: Buffer, budget: DecodeBudget): Pieces {
  const pieces: Pieces = { main: [], shifted: [] };
  for (const segments of runs(bytes, HEX, MIN_HEX_CHARS)) {
    for (const text of runTexts(bytes, segments, 2)) {
      for (const offset of text.length % 2 === 0 ? [0] : [0, 1]) {
        if (budget.remaining <= 0) return pieces;
        const piece = Buffer.from(text.slice(offset), 'hex');
        budget.remaining -= piece.length;
        (offset === 0 ? pieces.main : pieces.shifted).push(piece);
      }
    }
  }
  return pieces;
}

type Inflater = 'inflate' | 'inflateRaw';

interface Inflated {
  data: Buffer;
  /** It would have produced more than the cap. */
  truncated: boolean;
  /** Compressed bytes consumed (meaningful when not truncated). */
  consumed: number;
}

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

/** Whether the first bytes at least start a valid stream (most false candidates fail here, synchronously). */
function plausible(input: Buffer, kind: Inflater): boolean {
  try {
    const probe = input.subarray(0, 512);
    if (kind === 'inflate') zlib.inflateSync(probe, SYNC);
    else zlib.inflateRawSync(probe, SYNC);
    return true;
  } catch {
    return false;
  }
}

/** Streams `input` through an inflater, keeping at most `cap` bytes; output before a data error is kept. */
function inflateCapped(input: Buffer, kind: Inflater, cap: number): Promise<Inflated> {
  const stream = kind === 'inflate' ? zlib.createInflate() : zlib.createInflateRaw();
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise((resolve) => {
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      resolve({ data: Buffer.concat(chunks, total), truncated, consumed: stream.bytesWritten });
      if (truncated) stream.destroy();
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      if (total + chunk.length > cap) {
        chunks.push(chunk.subarray(0, cap - total));
        total = cap;
        finish(true);
        return;
      }
      chunks.push(chunk);
      total += chunk.length;
    });
    stream.on('end', () => finish(false));
    stream.on('error', () => finish(false));
    stream.end(input);
  });
}

/** Offset of the deflate data after a gzip member header at `at`, or −1 when the header is not valid. */
function gzipBody(bytes: Buffer, at: number): number {
  const flags = bytes[at + 3];
  if (flags === undefined || flags & 0xe0) return -1;
  let offset = at + 10;
  if (flags & 4) offset += 2 + (bytes[offset] ?? 0) + ((bytes[offset + 1] ?? 0) << 8);
  for (const flag of [8, 16]) {
    if (flags & flag) {
      const nul = bytes.indexOf(0, offset);
      if (nul === -1) return -1;
      offset = nul + 1;
    }
  }
  if (flags & 2) offset += 2;
  return offset < bytes.length ? offset : -1;
}

const ZIP_METHODS: Record<number, string> = { 12: 'bzip2', 14: 'lzma', 93: 'zstd', 95: 'xz', 98: 'ppmd', 99: 'AES-encrypted' };

const startsWith = (bytes: Buffer, at: number, magic: readonly number[]) => magic.every((byte, i) => bytes[at + i] === byte);
const BZIP2_TAIL = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const SEVEN_ZIP = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const LZ4 = [0x04, 0x22, 0x4d, 0x18];

/** Whether the first 512 bytes look like text (few control bytes). */
function looksLikeText(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 512);
  let control = 0;
  for (const byte of sample) if (byte < 9 || (byte > 13 && byte < 32) || byte === 127) control++;
  return control * 10 < sample.length;
}

/** Compressed streams in `bytes`, decompressed; undecodable formats and over-cap streams go to `opaque`. */
async function decompressed(bytes: Buffer, budget: DecodeBudget, opaque: Opaque[]): Promise<Map<Layer['encoding'], Buffer[]>> {
  const layers = new Map<Layer['encoding'], Buffer[]>();
  const inflate = async (encoding: Layer['encoding'], at: number, body: number, kind: Inflater): Promise<number> => {
    const input = bytes.subarray(body);
    if (!plausible(input, kind)) return at;
    if (budget.remaining <= 0) {
      opaque.push({ what: 'compressed data beyond the guard’s decoding budget', at });
      return at;
    }
    const cap = Math.min(STREAM_CAP, budget.remaining);
    const result = await inflateCapped(input, kind, cap);
    budget.remaining -= result.data.length;
    if (result.truncated) {
      opaque.push({ what: cap === STREAM_CAP ? `${encoding} data expanding past the ${STREAM_CAP >> 20} MiB the guard inspects` : 'compressed data beyond the guard’s decoding budget', at });
    }
    if (result.data.length > 0) layers.set(encoding, [...(layers.get(encoding) ?? []), result.data]);
    // Skip past a stream that ended cleanly: its compressed bytes are not further candidates.
    return result.truncated ? at : body + Math.max(0, result.consumed - 1);
  };

  if (startsWith(bytes, 0, ZSTD)) opaque.push({ what: 'zstd data', at: 0 });
  if (startsWith(bytes, 0, LZ4)) opaque.push({ what: 'lz4 data', at: 0 });
  for (let i = 0; i + 4 <= bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x1f && bytes[i + 1] === 0x8b && bytes[i + 2] === 8) {
      const body = gzipBody(bytes, i);
      if (body !== -1) i = await inflate('gzip', i, body, 'inflateRaw');
    } else if (byte === 0x78 && ((0x78 << 8) | bytes[i + 1]!) % 31 === 0 && !(bytes[i + 1]! & 0x20)) {
      i = await inflate('zlib', i, i, 'inflate');
    } else if (byte === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 3 && bytes[i + 3] === 4 && i + 30 <= bytes.length) {
      const flags = bytes.readUInt16LE(i + 6);
      const method = bytes.readUInt16LE(i + 8);
      const body = i + 30 + bytes.readUInt16LE(i + 26) + bytes.readUInt16LE(i + 28);
      if (flags & 1) opaque.push({ what: 'an encrypted zip entry', at: i });
      else if (method === 8) i = await inflate('zip', i, body, 'inflateRaw');
      else if (method !== 0) opaque.push({ what: `a zip entry compressed with ${ZIP_METHODS[method] ?? `method ${method}`}`, at: i });
    } else if (byte === 0x42 && bytes[i + 1] === 0x5a && bytes[i + 2] === 0x68 && bytes[i + 3]! >= 0x31 && bytes[i + 3]! <= 0x39 && startsWith(bytes, i + 4, BZIP2_TAIL)) {
      opaque.push({ what: 'bzip2 data', at: i });
    } else if (byte === 0xfd && startsWith(bytes, i, XZ)) {
      opaque.push({ what: 'xz data', at: i });
    } else if (byte === 0x37 && startsWith(bytes, i, SEVEN_ZIP)) {
      opaque.push({ what: '7z data', at: i });
    }
  }
  // Raw deflate has no magic: try it where a binary buffer starts.
  if (bytes.length >= 16 && layers.size === 0 && !looksLikeText(bytes) && ((bytes[0]! >> 1) & 3) !== 3) await inflate('deflate', 0, 0, 'inflateRaw');
  return layers;
}

/** UTF-16 text as its low bytes, when `bytes` has a BOM or zeros in every other byte. */
function utf16(bytes: Buffer): Buffer | null {
  if (bytes.length < 32) return null;
  let zerosEven = 0;
  let zerosOdd = 0;
  const sample = Math.min(bytes.length, 4096) & ~1;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) zerosEven++;
    if (bytes[i + 1] === 0) zerosOdd++;
  }
  const half = sample / 2;
  const little = (bytes[0] === 0xff && bytes[1] === 0xfe) || (zerosOdd > half * 0.4 && zerosEven < half * 0.1);
  const big = (bytes[0] === 0xfe && bytes[1] === 0xff) || (zerosEven > half * 0.4 && zerosOdd < half * 0.1);
  if (!little && !big) return null;
  const out = Buffer.alloc(bytes.length >> 1);
  for (let i = 0, j = little ? 0 : 1; j < bytes.length; i++, j += 2) out[i] = bytes[j]!;
  return out;
}

const NEWLINE = Buffer.from('\n');
const joined = (pieces: Buffer[], separator?: Buffer) => Buffer.concat(separator ? pieces.flatMap((piece, i) => (i === 0 ? [piece] : [separator, piece])) : pieces);

/**
 * A layer's bytes from its pieces. Pieces in order, back to back: lines that are chunks of one stream (hex
 * dumps with a prefix on each line) reassemble. When there are several, also one a line: lines that each
 * encode a row stay lines. Then the shifted decodings, one a line.
 */
function layerData(pieces: Pieces): Buffer {
  const parts = [joined(pieces.main)];
  if (pieces.main.length > 1) parts.push(joined(pieces.main, NEWLINE));
  if (pieces.shifted.length > 0) parts.push(joined(pieces.shifted, NEWLINE));
  return joined(parts, NEWLINE);
}

/** The decoded layers of `bytes`, one per encoding, and what could not be decoded. */
export async function decodeLayers(bytes: Buffer, budget: DecodeBudget): Promise<{ layers: Layer[]; opaque: Opaque[] }> {
  const opaque: Opaque[] = [];
  const pieces = new Map<Layer['encoding'], Pieces>([
    ['base64', base64Pieces(bytes, budget)],
    ['hex', hexPieces(bytes, budget)],
  ]);
  for (const [encoding, found] of await decompressed(bytes, budget, opaque)) pieces.set(encoding, { main: found, shifted: [] });
  const wide = utf16(bytes);
  if (wide) pieces.set('utf16', { main: [wide], shifted: [] });
  if (budget.remaining <= 0) opaque.push({ what: 'more encoded content than the guard’s decoding budget', at: 0 });
  const layers: Layer[] = [];
  for (const [encoding, found] of pieces) if (found.main.length + found.shifted.length > 0) layers.push({ encoding, data: layerData(found) });
  return { layers, opaque };
}

/** Whether `bytes` still holds something worth decoding (≥ 64 decoded bytes): checked past the depth limit. */
export function hasNestedEncoding(bytes: Buffer): boolean {
  const long = (alphabet: Uint8Array, chars: number) => runs(bytes, alphabet, chars).length > 0;
  if (long(BASE64, 88) || long(HEX, 128)) return true;
  for (let at = bytes.indexOf(0x1f); at !== -1; at = bytes.indexOf(0x1f, at + 1)) {
    if (bytes[at + 1] === 0x8b && bytes[at + 2] === 8 && gzipBody(bytes, at) !== -1 && plausible(bytes.subarray(gzipBody(bytes, at)), 'inflateRaw')) return true;
  }
  for (let at = bytes.indexOf(0x78); at !== -1; at = bytes.indexOf(0x78, at + 1)) {
    const flags = bytes[at + 1] ?? 0;
    if (((0x78 << 8) | flags) % 31 === 0 && !(flags & 0x20) && plausible(bytes.subarray(at), 'inflate')) return true;
  }
  return false;
}
