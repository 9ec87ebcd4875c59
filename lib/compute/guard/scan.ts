/**
 * Scanning one buffer (a file, or a layer decoded from one) against a leak index: data rows found anywhere in
 * it, lines whose fields are a data row's fields in another order or format, and shared shingles.
 */
import { BUZ1, bytesKey, fmix, key53, rotl, SEED_A, SEED_B, stepA, stepB } from './hash';
import { FIELD_SEPARATORS, fieldSetKey, hashFields, normaliseField, splitFields } from './fields';
import { ANCHOR_BYTES, LENGTH_SPAN, MAX_ROW_BYTES, type LeakIndexParts } from './leak-index';
import { KGRAM_BYTES, SHINGLE_BYTES, Winnower } from './winnow';

/** A fingerprint the buffer shares with the data, with the buffer's bytes around it, to measure the run. */
export interface ShingleCandidate {
  key: number;
  /** CR-less bytes from SHINGLE_BYTES before the k-gram to SHINGLE_BYTES after it (clipped to the buffer). */
  context: Uint8Array;
  /** Where the k-gram starts in `context`. */
  at: number;
  /** Where it starts in the (CR-less) buffer. */
  offset: number;
  /** Keys of the SIDE_BYTES just before and just after the k-gram (−1 when the buffer has fewer). */
  left: number;
  right: number;
}

/**
 * A run of SHINGLE_BYTES through a k-gram extends it by SHINGLE_BYTES − KGRAM_BYTES bytes in all, so by at
 * least half that on one side: matching one side's bytes first finds every candidate worth comparing.
 */
export const SIDE_BYTES = (SHINGLE_BYTES - KGRAM_BYTES) / 2;

/** Fingerprints occurring fewer times than this in the data are rare: they point at a few rows. */
export const RARE_BELOW = 8;
/** Most distinct candidates kept for one buffer; past this the buffer is refused unmeasured. */
export const MAX_CANDIDATES = 100_000;

/** What one buffer shares with the data; offsets are −1 when there is none. */
export interface LeakHits {
  /** Data rows found verbatim (as a line or inside one). */
  rows: number;
  firstRow: number;
  /** Lines holding a data row's fields reordered, re-separated or reformatted. */
  fieldRows: number;
  firstFieldRow: number;
  /** Distinct rare fingerprints shared with the data: each a ≥ KGRAM_BYTES fragment of a few rows. */
  fragments: number;
  firstFragment: number;
  /** Shared fingerprints to measure against the raw file (looked for only when no row was found). */
  candidates: ShingleCandidate[];
  /** More candidates than MAX_CANDIDATES. */
  overflow: boolean;
}

// Signed words keep the rolling hash an unboxed int32 in V8.
const ANCHOR_IN = Int32Array.from(BUZ1);
const ANCHOR_OUT = Int32Array.from(BUZ1, (word) => rotl(word, ANCHOR_BYTES));

/** Rolls the 16-byte anchor over `bytes` and confirms candidate rows by their full hash. */
function findRows(bytes: Uint8Array, index: LeakIndexParts, hits: LeakHits): void {
  const { anchors, anchorKeys, rowKeys } = index;
  if (anchorKeys.length === 0 || bytes.length < index.minRowBytes) return;
  // Imported bindings are getters once compiled to CommonJS: read them once, not per byte.
  const table = ANCHOR_IN;
  const width = ANCHOR_BYTES;
  const span = LENGTH_SPAN;
  const leaving = ANCHOR_OUT;
  const keys = anchorKeys.keys;
  const [a0, b0, stepOfA, stepOfB, finish, toKey] = [SEED_A, SEED_B, stepA, stepB, fmix, key53];
  let h = 0;
  for (let p = 0; p < bytes.length; p++) {
    h = ((h << 1) | (h >>> 31)) ^ table[bytes[p]!]!;
    if (p >= width) h ^= leaving[bytes[p - width]!]!;
    if (p < width - 1 || !anchors.has(h)) continue;
    const start = p - width + 1;
    const base = (h >>> 0) * span;
    // Rows sharing this anchor, by increasing length: hash the output once, checking at each length.
    let a = a0;
    let b = b0;
    let at = start;
    for (let i = anchorKeys.from(base); i < keys.length && keys[i]! < base + span; i++) {
      const end = start + (keys[i]! - base);
      if (end > bytes.length) break;
      for (; at < end; at++) {
        a = stepOfA(a, bytes[at]!);
        b = stepOfB(b, bytes[at]!);
      }
      if (rowKeys.has(toKey(finish(a ^ (end - start)), finish(b)))) {
        if (hits.rows++ === 0) hits.firstRow = start;
        break;
      }
    }
  }
}

/** Whether a set of fields (or the set less any one field, say an added index column) is a data row's. */
function fieldsMatch(fields: string[], index: LeakIndexParts): boolean {
  const count = fields.length;
  const exact = index.fieldCounts.has(count);
  const lessOne = index.fieldCounts.has(count - 1);
  if (!exact && !lessOne) return false;
  const { a, b, sumA, sumB } = hashFields(fields.map(normaliseField));
  if (exact && index.fieldKeys.has(fieldSetKey(sumA, sumB, count))) return true;
  if (lessOne) {
    for (let i = 0; i < count; i++) {
      if (index.fieldKeys.has(fieldSetKey((sumA - a[i]!) >>> 0, (sumB - b[i]!) >>> 0, count - 1))) return true;
    }
  }
  return false;
}

/** No control bytes but TAB and CR: binary "lines" are not worth splitting into fields. */
function isText(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte < 32 && byte !== 9 && byte !== 13) return false;
  }
  return true;
}

/** Checks each line under every usual separator (and whitespace runs) for a data row's field set. */
function findFieldRows(bytes: Buffer, index: LeakIndexParts, hits: LeakHits): void {
  if (index.fieldKeys.length === 0) return;
  let lineNumber = 0;
  for (let start = 0; start < bytes.length; lineNumber++) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const length = end - start;
    // Re-separated rows can shrink ("a, b" → "a,b") but not below half the shortest indexed row.
    if (length >= index.minRowBytes / 2 && length <= 2 * MAX_ROW_BYTES && isText(bytes, start, end)) {
      const line = bytes.toString('latin1', start, end).trim();
      let found = false;
      for (const separator of FIELD_SEPARATORS) {
        if (line.includes(separator) && fieldsMatch(splitFields(line, separator), index)) {
          found = true;
          break;
        }
      }
      if (!found && /\s/.test(line)) found = fieldsMatch(line.split(/\s+/), index);
      if (found && hits.fieldRows++ === 0) hits.firstFieldRow = lineNumber + 1;
    }
    start = end + 1;
  }
}

/** `bytes` without carriage returns (the stream shingles are computed on), or `bytes` when it has none. */
function withoutCR(bytes: Buffer): Buffer {
  if (bytes.indexOf(13) === -1) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 13) out[length++] = bytes[i]!;
  return out.subarray(0, length);
}

/** Everything `bytes` shares with the indexed data. */
export function scanForLeaks(bytes: Buffer, index: LeakIndexParts): LeakHits {
  const hits: LeakHits = { rows: 0, firstRow: -1, fieldRows: 0, firstFieldRow: -1, fragments: 0, firstFragment: -1, candidates: [], overflow: false };
  findRows(bytes, index, hits);
  // A buffer holding rows is refused as it is: field sets and shingles would only add detail, at a cost.
  if (hits.rows > 0) return hits;
  findFieldRows(bytes, index, hits);
  const { shingleKeys, shingleCounts, shingles } = index;
  if (shingleKeys.length === 0 || hits.fieldRows > 0) return hits;
  const stream = withoutCR(bytes);
  const [toKey, reach, gram, rare, side, keyOf] = [key53, SHINGLE_BYTES, KGRAM_BYTES, RARE_BELOW, SIDE_BYTES, bytesKey];
  const seen = new Set<number>();
  const contexts = new Set<string>();
  new Winnower((h1, h2, offset) => {
    if (!shingles.has(h1)) return;
    const key = toKey(h1, h2);
    const at = shingleKeys.indexOf(key);
    if (at === -1) return;
    if (shingleCounts[at]! < rare && !seen.has(key)) {
      seen.add(key);
      if (hits.fragments++ === 0) hits.firstFragment = offset;
    }
    const start = Math.max(0, offset - reach);
    const end = Math.min(stream.length, offset + gram + reach);
    // Too little around it for a run of SHINGLE_BYTES: nothing to measure.
    if (end - start < reach) return;
    // The same bytes around the same fingerprint measure the same: keep one.
    const contextKey = `${keyOf(stream, start, end)}@${offset - start}`;
    if (contexts.has(contextKey)) return;
    contexts.add(contextKey);
    if (hits.candidates.length === MAX_CANDIDATES) {
      hits.overflow = true;
      return;
    }
    hits.candidates.push({
      key,
      context: stream.slice(start, end),
      at: offset - start,
      offset,
      left: offset - side >= 0 ? keyOf(stream, offset - side, offset) : -1,
      right: offset + gram + side <= stream.length ? keyOf(stream, offset + gram, offset + gram + side) : -1,
    });
  }).feed(stream);
  return hits;
}
