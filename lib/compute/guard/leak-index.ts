/**
 * The leak index: what the guard remembers of a raw dataset, built in one streaming pass with bounded memory.
 *
 * - Rows: every data row (each line after the header) of ≥ `minRowBytes` after trimming is kept as a 53-bit
 *   hash, plus an "anchor" (the buzhash of its first 16 bytes, with its length) so a row can be found inside a
 *   longer output line by rolling the anchor over the output (a bitmap makes most positions a single probe).
 * - Field sets: each row's fields hashed regardless of order (see fields.ts).
 * - Shingles: winnowed fingerprints of the raw bytes (see winnow.ts), each with how often it occurs (up to
 *   255). K-grams wholly inside the header line are not kept: echoing column names is fine.
 *
 * The index keeps the file's path, size and mtime: a candidate shared run is measured against the file itself
 * (confirm.ts), so the file must stay, unchanged, until the outputs are inspected.
 *
 * Memory: ~10 bytes per row for each of the three row structures (keys and their directory), 4–8 bytes per
 * row of filter, and ~12 bytes per fingerprint (about one per 24 raw bytes, fewer on repetitive data): the
 * bench's 1M rows of 92 bytes (92 MB) take 78 MB. Building streams the file in 1 MiB reads.
 */
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Bitmap, buzhash, bytesKey, key53, KeyList, SortedKeys, TWO32 } from './hash';
import { splitLine } from '../../csv';
import { FIELD_SEPARATORS, fieldSetKey, hashFields, jsonRowFields, normaliseField } from './fields';
import { LeakIndexError } from '../errors';
import { KGRAM_BYTES, Winnower } from './winnow';

/** Bytes of a row's start hashed as its anchor. Rows shorter than this are never indexed. */
export const ANCHOR_BYTES = 16;
/** Rows longer than this are left to shingle detection (their line is not buffered whole). */
export const MAX_ROW_BYTES = 64 * 1024;
/** Anchor keys are anchor · 2^21 + row length. */
export const LENGTH_SPAN = 2 ** 21;

export interface LeakIndexOptions {
  /** Whether the first line is a header (not a row; k-grams inside it are ignored). Default: yes, unless the file starts with `{` or `[` (JSON lines). */
  header?: boolean;
  /** Rows shorter than this after trimming are not indexed: too short to identify anything. Default 16 (the minimum). */
  minRowBytes?: number;
  /** Only count the data rows (for the minimum group size rule without leak detection). */
  rowsOnly?: boolean;
}

/** The parts of a built index, for the scanner. */
export interface LeakIndexParts {
  rows: number;
  indexedRows: number;
  sourceBytes: number;
  minRowBytes: number;
  rowKeys: SortedKeys;
  anchorKeys: SortedKeys;
  anchors: Bitmap;
  fieldKeys: SortedKeys;
  fieldCounts: ReadonlySet<number>;
  shingleKeys: SortedKeys;
  /** How often each shingle key occurs in the data (saturating at 255). */
  shingleCounts: Uint8Array;
  /** The shingle keys' low 32 bits (the selecting hash), for a cheap "certainly not". */
  shingles: Bitmap;
  /** End of the header line in the CR-less byte stream (0 without a header). */
  headerEnd: number;
  /** The raw file, to measure candidate runs against. */
  source: { path: string; size: number; mtimeMs: number };
}

const isSpace = (byte: number) => byte === 32 || (byte >= 9 && byte <= 13);

/** Fingerprint keys with saturating occurrence counts, sorted in batches so memory tracks distinct keys. */
class CountedKeys {
  private pending = new Float64Array(1 << 18);
  private pendingLength = 0;
  private keys = new Float64Array(0);
  private counts = new Uint8Array(0);

  add(key: number): void {
    this.pending[this.pendingLength++] = key;
    if (this.pendingLength === this.pending.length) this.flush();
  }

  private flush(): void {
    const batch = this.pending.subarray(0, this.pendingLength).sort();
    this.pendingLength = 0;
    if (this.pending.length < 1 << 21) this.pending = new Float64Array(this.pending.length * 2);
    const { keys, counts } = this;
    let size = 0;
    for (let i = 0, j = 0; i < keys.length || j < batch.length; size++) {
      const next = j < batch.length && (i >= keys.length || batch[j]! <= keys[i]!) ? batch[j]! : keys[i]!;
      if (i < keys.length && keys[i] === next) i++;
      while (j < batch.length && batch[j] === next) j++;
    }
    const mergedKeys = new Float64Array(size);
    const mergedCounts = new Uint8Array(size);
    for (let i = 0, j = 0, out = 0; out < size; out++) {
      const next = j < batch.length && (i >= keys.length || batch[j]! <= keys[i]!) ? batch[j]! : keys[i]!;
      let count = 0;
      if (i < keys.length && keys[i] === next) count += counts[i++]!;
      while (j < batch.length && batch[j] === next) {
        count++;
        j++;
      }
      mergedKeys[out] = next;
      mergedCounts[out] = Math.min(count, 255);
    }
    this.keys = mergedKeys;
    this.counts = mergedCounts;
  }

  /** The sorted unique keys and their counts. */
  finish(): { keys: Float64Array; counts: Uint8Array } {
    this.flush();
    this.pending = new Float64Array(0);
    return { keys: this.keys, counts: this.counts };
  }
}

/** The delimiter a header (or first row) uses: the most frequent of , TAB ; | (comma on a tie or none). */
function delimiterOf(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const separator of FIELD_SEPARATORS) {
    const count = line.split(separator).length - 1;
    if (count > bestCount) {
      best = separator;
      bestCount = count;
    }
  }
  return best;
}

/** Index of a raw dataset, built once per job from its plaintext file (CSV/TSV/JSON lines/text; any bytes). */
export class LeakIndex {
  /** Data rows: non-empty lines after the header. */
  readonly rows: number;
  /** Data rows long enough to be indexed. */
  readonly indexedRows: number;
  /** Size of the raw file. */
  readonly sourceBytes: number;
  /** Shingle fingerprints kept. */
  readonly fingerprints: number;
  /** @internal The structures the scanner reads. */
  readonly parts: LeakIndexParts;

  private constructor(parts: LeakIndexParts) {
    this.parts = parts;
    this.rows = parts.rows;
    this.indexedRows = parts.indexedRows;
    this.sourceBytes = parts.sourceBytes;
    this.fingerprints = parts.shingleKeys.length;
  }

  /** Approximate heap held by the index. */
  get memoryBytes(): number {
    const { rowKeys, anchorKeys, anchors, fieldKeys, shingleKeys, shingleCounts, shingles } = this.parts;
    return rowKeys.bytes + anchorKeys.bytes + anchors.bytes + fieldKeys.bytes + shingleKeys.bytes + shingleCounts.byteLength + shingles.bytes;
  }

  /** Streams `file` once (1 MiB reads) and indexes its rows, field sets and shingles. */
  static async build(file: string, options: LeakIndexOptions = {}): Promise<LeakIndex> {
    const minRowBytes = Math.max(ANCHOR_BYTES, options.minRowBytes ?? ANCHOR_BYTES);
    const rowsOnly = options.rowsOnly ?? false;
    const rowKeys = new KeyList();
    const anchorKeys = new KeyList();
    const fieldKeys = new KeyList();
    const fieldCounts = new Set<number>();
    const shingles = new CountedKeys();
    let headerMode = options.header;
    /** End of the header in the CR-less stream the winnower sees: unknown (infinite) until its newline. */
    let headerFedEnd = options.header === false ? 0 : Infinity;
    const winnower = new Winnower((h1, h2, offset) => {
      if (offset + KGRAM_BYTES > headerFedEnd) shingles.add(key53(h1, h2));
    });

    let rows = 0;
    let indexedRows = 0;
    let sourceBytes = 0;
    let lineNumber = 0;
    let delimiter: string | undefined;
    let carry: Buffer[] = [];
    let carryLength = 0;
    let lineTooLong = false;
    let firstLineCRs = 0;
    let firstLineBytes = 0;

    const onLine = (line: Buffer) => {
      const number = lineNumber++;
      if (number === 0) {
        if (headerMode) {
          headerFedEnd = firstLineBytes - firstLineCRs + 1;
          delimiter = delimiterOf(line.toString('latin1'));
          return;
        }
      }
      let start = 0;
      let end = line.length;
      while (start < end && isSpace(line[start]!)) start++;
      while (end > start && isSpace(line[end - 1]!)) end--;
      if (end === start) return;
      rows++;
      if (rowsOnly || end - start < minRowBytes || lineTooLong) return;
      indexedRows++;
      const length = end - start;
      rowKeys.push(bytesKey(line, start, end));
      anchorKeys.push(buzhash(line, start, ANCHOR_BYTES) * LENGTH_SPAN + length);
      const text = line.toString('latin1', start, end);
      let fields = text[0] === '{' ? jsonRowFields(text) : null;
      if (!fields) {
        delimiter ??= delimiterOf(text);
        fields = splitLine(text, delimiter).map(normaliseField);
      }
      if (fields.length >= 2) {
        const { sumA, sumB } = hashFields(fields);
        fieldKeys.push(fieldSetKey(sumA, sumB, fields.length));
        fieldCounts.add(fields.length);
      }
    };

    const append = (segment: Buffer) => {
      if (lineNumber === 0) {
        firstLineBytes += segment.length;
        for (const byte of segment) if (byte === 13) firstLineCRs++;
      }
      if (lineTooLong) return;
      if (carryLength + segment.length > MAX_ROW_BYTES) {
        // Keep the line's start (a header's delimiter, a row to count) but do not index it as a row.
        lineTooLong = true;
        segment = segment.subarray(0, MAX_ROW_BYTES - carryLength);
      }
      carry.push(segment);
      carryLength += segment.length;
    };

    let stats: Stats;
    try {
      stats = await stat(file);
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        if (headerMode === undefined) {
          let i = 0;
          while (i < chunk.length && isSpace(chunk[i]!)) i++;
          headerMode = !(chunk[i] === 0x7b || chunk[i] === 0x5b);
          if (!headerMode) headerFedEnd = 0;
        }
        sourceBytes += chunk.length;
        let from = 0;
        for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, from)) {
          append(chunk.subarray(from, newline));
          onLine(carry.length === 1 ? carry[0]! : Buffer.concat(carry));
          carry = [];
          carryLength = 0;
          lineTooLong = false;
          from = newline + 1;
        }
        append(chunk.subarray(from));
        // Lines first: the header's end must be known before k-grams that straddle it are fingerprinted.
        if (!rowsOnly) winnower.feed(chunk);
      }
    } catch (error) {
      throw new LeakIndexError(file, error);
    }
    if (carry.length > 0 || lineTooLong) onLine(Buffer.concat(carry));

    const anchorSorted = anchorKeys.sortedUnique();
    const anchors = new Bitmap(anchorSorted.length);
    for (const anchorKey of anchorSorted) anchors.add(Math.floor(anchorKey / LENGTH_SPAN));
    const { keys: shingleKeys, counts: shingleCounts } = rowsOnly ? { keys: new Float64Array(0), counts: new Uint8Array(0) } : shingles.finish();
    // Only ~1 in 21 output positions is looked up, so 16 bits per key (~6 % false passes) is plenty.
    const shingleBits = new Bitmap(shingleKeys.length, 16);
    for (const shingleKey of shingleKeys) shingleBits.add(shingleKey % TWO32);
    return new LeakIndex({
      rows,
      indexedRows,
      sourceBytes,
      minRowBytes,
      rowKeys: new SortedKeys(rowKeys.sortedUnique()),
      anchorKeys: new SortedKeys(anchorSorted),
      anchors,
      fieldKeys: new SortedKeys(fieldKeys.sortedUnique()),
      fieldCounts,
      shingleKeys: new SortedKeys(shingleKeys),
      shingleCounts,
      shingles: shingleBits,
      headerEnd: headerMode ? Math.min(headerFedEnd, Number.MAX_SAFE_INTEGER) : 0,
      source: { path: file, size: stats.size, mtimeMs: stats.mtimeMs },
    });
  }
}
