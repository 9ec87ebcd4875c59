/**
 * Scanning one buffer (a file, or a layer decoded from one) against a leak index: data rows found anywhere in
 * it, lines whose fields are a data row's fields in another order or format, and shared fingerprints — rare
 * ones counted, all of them passed on to be measured against the raw file (confirm.ts).
 */
import { BUZ1, bytesKey, fmix, key53, rotl, SEED_A, SEED_B, stepA, stepB } from './hash';
import { splitLine } from '../../csv';
import { FIELD_SEPARATORS, fieldSetKey, hashFields, normaliseField } from './fields';
import { ANCHOR_BYTES, LENGTH_SPAN, MAX_ROW_BYTES, type LeakIndexParts } from './leak-index';
import { candidateWindows } from './confirm';
import { KGRAM_BYTES, SHINGLE_BYTES, Winnower } from './winnow';

/** Fingerprints occurring fewer times than this in the data are rare: they point at a few rows. */
export const RARE_BELOW = 8;

/** Rows a buffer shares with the data; offsets are −1 when there is none. */
export interface RowHits {
  /** Data rows found verbatim (as a line or inside one). */
  rows: number;
  firstRow: number;
  /** Lines holding a data row's fields reordered, re-separated or reformatted. */
  fieldRows: number;
  firstFieldRow: number;
}

/** Rare fragments a buffer shares with the data. */
export interface FragmentHits {
  /** Distinct rare fingerprints shared with the data: each a ≥ KGRAM_BYTES fragment of a few rows. */
  fragments: number;
  firstFragment: number;
}

// Signed words keep the rolling hash an unboxed int32 in V8.
const ANCHOR_IN = Int32Array.from(BUZ1);
const ANCHOR_OUT = Int32Array.from(BUZ1, (word) => rotl(word, ANCHOR_BYTES));

/** Rolls the 16-byte anchor over `bytes` and confirms candidate rows by their full hash. */
function findRows(bytes: Uint8Array, index: LeakIndexParts, hits: RowHits): void {
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
function findFieldRows(bytes: Buffer, index: LeakIndexParts, hits: RowHits): void {
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
        if (line.includes(separator) && fieldsMatch(splitLine(line, separator), index)) {
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

/** Data rows in `bytes`: verbatim first; field sets only when there is none (either refuses the buffer). */
export function findRowLeaks(bytes: Buffer, index: LeakIndexParts): RowHits {
  const hits: RowHits = { rows: 0, firstRow: -1, fieldRows: 0, firstFieldRow: -1 };
  findRows(bytes, index, hits);
  if (hits.rows === 0) findFieldRows(bytes, index, hits);
  return hits;
}

/** Bytes winnowed between two calls of `between` (which may measure a full batch of candidates). */
const SLICE = 1 << 18;

/**
 * Winnows `bytes` and looks its fingerprints up: each shared one goes to `onCandidate` (once per distinct
 * surroundings) with the keys of the SHINGLE_BYTES windows overlapping it, to be measured against the raw
 * file; distinct rare ones are counted.
 */
export async function scanShingles(
  bytes: Buffer,
  index: LeakIndexParts,
  onCandidate: (offset: number, windows: Float64Array) => void,
  between: () => Promise<void>,
): Promise<FragmentHits> {
  const hits: FragmentHits = { fragments: 0, firstFragment: -1 };
  const { shingleKeys, shingleCounts, shingles } = index;
  if (shingleKeys.length === 0) return hits;
  const stream = withoutCR(bytes);
  const [toKey, reach, gram, rare, keyOf, windowsOf] = [key53, SHINGLE_BYTES, KGRAM_BYTES, RARE_BELOW, bytesKey, candidateWindows];
  const seen = new Set<number>();
  const contexts = new Set<string>();
  const winnower = new Winnower((h1, h2, offset) => {
    if (!shingles.has(h1)) return;
    const key = toKey(h1, h2);
    const at = shingleKeys.indexOf(key);
    if (at === -1) return;
    if (shingleCounts[at]! < rare && !seen.has(key)) {
      seen.add(key);
      if (hits.fragments++ === 0) hits.firstFragment = offset;
    }
    // The same bytes around the same fingerprint measure the same: keep one.
    const start = Math.max(0, offset - reach);
    const end = Math.min(stream.length, offset + gram + reach);
    const context = `${keyOf(stream, start, end)}@${offset - start}`;
    if (contexts.has(context)) return;
    contexts.add(context);
    onCandidate(offset, windowsOf(stream, offset));
  });
  for (let from = 0; from < stream.length; from += SLICE) {
    winnower.feed(stream, from, Math.min(stream.length, from + SLICE));
    await between();
  }
  return hits;
}
