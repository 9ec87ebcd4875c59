/**
 * What the publisher's file says about itself: format from its name, and for tabular text (CSV, JSON lines)
 * the row count, columns and a preview of the first rows, gathered while the file streams through. Every
 * string it takes from the file is made visible text first, because the preview is public and signed.
 */
import { splitLine } from '../csv';
import { BIDI_CONTROLS } from '../metadata/characters';
import type { DatasetDocument } from '../metadata/schema';
import { formatBytes } from '../units';
import { FileError } from './errors';

export interface Column {
  name: string;
  type: 'number' | 'boolean' | 'string';
}

export interface FileProfile {
  format: string;
  rowCount?: number;
  columns?: Column[];
  preview?: { format: 'csv' | 'jsonl' | 'text'; content: string };
  /** Why a file named as CSV or JSON lines was taken as binary ("NUL bytes in the file"). */
  binary?: string;
}

/** A file with nothing in it: there is nothing to encrypt, describe or sell. */
export class EmptyFileError extends FileError {
  constructor(name: string) {
    super(`${name} is empty: 0 bytes, nothing to publish`, 'choose a file that holds the data');
  }
}

/** Refuses what no reader could use, before anything is uploaded or sent: the SDK and the browser both ask. */
export function assertPublishable(name: string, size: number): void {
  if (size === 0) throw new EmptyFileError(name);
}

const FORMATS: Record<string, string> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.txt': 'text',
  '.md': 'text',
  '.zip': 'zip',
  '.gz': 'gzip',
};

/** A short format name from the file extension. */
export function formatOf(file: string): string {
  // No node:path: the browser's publish wizard profiles files too. The extension as path.extname finds it.
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return FORMATS[dot > 0 ? name.slice(dot).toLowerCase() : ''] ?? 'binary';
}

/** CSV and JSON lines: the formats profiled for rows, columns and a preview. */
export function isTabular(format: string): boolean {
  return format === 'csv' || format === 'jsonl';
}

/** The first bytes of a file that are sniffed and profiled: room for a header and the preview's rows. */
export const HEAD_BYTES = 32_000;
const PREVIEW_LIMIT = 16 * 1024;
/** The dataset document lists at most this many columns; a wider file is described without them. */
const MAX_COLUMNS = 500;
const MAX_COLUMN_NAME = 128;
/** More control characters than one in ten is no table anybody typed; a few stray ones are shown escaped. */
const MAX_CONTROL_SHARE = 0.1;

/**
 * Why the head of a file named as CSV or JSON lines is no text a reader can parse, or undefined when it is.
 * Readers of these formats (the preview, pandas, csv modules, compute algorithms) decode UTF-8 and stop at a
 * NUL, so a NUL byte, invalid UTF-8 (often a renamed archive; a Latin-1 table would show as mojibake) or a
 * high share of control characters marks the file as binary. `complete`: the head is the whole file, so a
 * multi-byte character cut at its end is an error rather than the sample's edge.
 */
export function binaryReason(head: Uint8Array, complete: boolean): string | undefined {
  const where = complete ? 'in the file' : `in the first ${formatBytes(head.length)}`;
  if (head.includes(0)) return `NUL bytes ${where}`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
  } catch {
    return `invalid UTF-8 ${where}`;
  }
  const controls = text.match(/[^\P{Cc}\t\n\r]/gu)?.length ?? 0;
  if (controls > text.length * MAX_CONTROL_SHARE) return `${Math.round((controls / text.length) * 100)}% control characters ${where}`;
  return undefined;
}

/** What the owner is told about a file taken as binary. */
export function binaryNotice(name: string, reason: string): string {
  return `${name} looks binary (${reason}): published without a preview or columns`;
}

/**
 * Control characters, unpaired surrogates and bidirectional controls: invisible or not Unicode (the document
 * schema refuses the first two), and bidi overrides reorder what a page shows after them.
 */
const INVISIBLE = new RegExp(`[\\p{Cc}\\p{Cs}${BIDI_CONTROLS}]`, 'gu');

/**
 * `text` with every invisible character made visible: C0 controls and DEL as their Unicode control pictures
 * (␀, ␛, ␡), the rest as U+FFFD; tabs stay.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return c;
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\uFFFD';
  });
}

function typeOf(values: string[]): Column['type'] {
  const present = values.filter((v) => v !== '');
  if (present.length > 0 && present.every((v) => /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v))) return 'number';
  if (present.length > 0 && present.every((v) => /^(true|false)$/i.test(v))) return 'boolean';
  return 'string';
}

/** A header cell as a column name the document accepts: visible, at most 128 characters, never blank. */
function columnName(cell: string, index: number): string {
  let name = visibleText(cell).trim().slice(0, MAX_COLUMN_NAME);
  // Cut between the halves of a pair, the name would end in an unpaired surrogate.
  if (/[\uD800-\uDBFF]$/.test(name)) name = name.slice(0, -1);
  return /\S/.test(name) ? name : `column ${index + 1}`;
}

function csvColumns(header: string, sample: string[]): Column[] | undefined {
  const names = splitLine(header);
  if (names.length > MAX_COLUMNS) return undefined;
  const rows = sample.filter((l) => l !== '').map((line) => splitLine(line));
  return names.map((cell, i) => ({ name: columnName(cell, i), type: typeOf(rows.map((row) => row[i] ?? '')) }));
}

/** Lines of at most this many bytes are counted byte by byte: calling indexOf for each break would cost more. */
const SHORT_LINE = 24;

/** Whether the LF at `i` ends a line: not when it completes a CRLF, whose CR did. */
function lineFeedBreaks(bytes: Uint8Array, i: number, afterCarriageReturn: boolean): boolean {
  return i === 0 ? !afterCarriageReturn : bytes[i - 1] !== 0x0d;
}

/**
 * Line breaks in `bytes`: LF, CRLF (once) or a lone CR (old Mac exports); `afterCarriageReturn`: the byte before
 * them was a CR. indexOf jumps from break to break (memchr on Node), several times faster than looking at every
 * byte in JavaScript, unless lines are `short`.
 */
function lineBreaks(bytes: Uint8Array, afterCarriageReturn: boolean, short: boolean): number {
  let breaks = 0;
  if (short) {
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0d || (bytes[i] === 0x0a && lineFeedBreaks(bytes, i, afterCarriageReturn))) breaks++;
    }
    return breaks;
  }
  for (let i = bytes.indexOf(0x0d); i !== -1; i = bytes.indexOf(0x0d, i + 1)) breaks++;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) if (lineFeedBreaks(bytes, i, afterCarriageReturn)) breaks++;
  return breaks;
}

/**
 * Observes a file's bytes as they stream past (constant memory: it keeps only the first {@link HEAD_BYTES})
 * and profiles it. `previewRows` data rows go into the public preview (0 = no preview).
 */
export class FileProfiler {
  private lines = 0;
  private size = 0;
  private afterCarriageReturn = false;
  private endsWithLineBreak = true;
  /** The last chunk's lines were short: count the next one's byte by byte. */
  private shortLines = false;
  private readonly head: Uint8Array;

  constructor(
    private readonly format: string,
    private readonly previewRows: number,
  ) {
    this.head = new Uint8Array(isTabular(format) ? HEAD_BYTES : 0);
  }

  observe(chunk: Uint8Array): void {
    if (chunk.length === 0 || !isTabular(this.format)) return;
    if (this.size < HEAD_BYTES) this.head.set(chunk.subarray(0, HEAD_BYTES - this.size), this.size);
    this.size += chunk.length;
    const breaks = lineBreaks(chunk, this.afterCarriageReturn, this.shortLines);
    this.lines += breaks;
    this.shortLines = breaks * SHORT_LINE > chunk.length;
    this.afterCarriageReturn = chunk[chunk.length - 1] === 0x0d;
    this.endsWithLineBreak = this.afterCarriageReturn || chunk[chunk.length - 1] === 0x0a;
  }

  profile(): FileProfile {
    if (!isTabular(this.format)) return { format: this.format };
    const complete = this.size <= HEAD_BYTES;
    const head = this.head.subarray(0, Math.min(this.size, HEAD_BYTES));
    const binary = binaryReason(head, complete);
    if (binary) return { format: 'binary', binary };
    const lineCount = this.lines + (this.endsWithLineBreak ? 0 : 1);
    const lines = new TextDecoder().decode(head, { stream: !complete }).split(/\r\n|\r|\n/);
    // The head of a longer file ends inside a line.
    if (!complete) lines.pop();
    if (this.format === 'csv') {
      // No header line in the head (an empty first line, or one longer than the head): no columns to name.
      const columns = lines[0] ? csvColumns(lines[0], lines.slice(1, 51)) : undefined;
      return { format: 'csv', rowCount: Math.max(0, lineCount - 1), ...(columns ? { columns } : {}), ...this.preview(lines, 1, 'csv') };
    }
    return { format: 'jsonl', rowCount: lineCount, ...this.preview(lines, 0, 'jsonl') };
  }

  private preview(lines: string[], headerLines: number, format: 'csv' | 'jsonl'): Pick<FileProfile, 'preview'> {
    if (this.previewRows === 0) return {};
    let content = '';
    for (const line of lines.slice(0, headerLines + this.previewRows)) {
      const shown = visibleText(line);
      if (shown === '' || content.length + shown.length + 1 > PREVIEW_LIMIT) break;
      content += `${shown}\n`;
    }
    return content ? { preview: { format, content } } : {};
  }
}

const EXTENSIONS: Record<string, string> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', json: 'json', parquet: 'parquet', text: 'txt', zip: 'zip', gzip: 'gz' };

/** A file name for a download into a directory: the title as a slug plus the format's extension. */
export function fileNameFor(id: bigint, document: DatasetDocument): string {
  const slug = document.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || `dataset-${id}`;
  return `${slug}.${EXTENSIONS[document.format] ?? 'bin'}`;
}
