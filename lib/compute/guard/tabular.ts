/**
 * The minimum group size rule (k) on tabular outputs: CSV (.csv), TSV (.tsv, .tab), a JSON array of objects
 * (.json) or JSON lines of objects (.jsonl, .ndjson), by file extension.
 *
 * - With a count column — the first column named count, n, size, group_size, support, records, cnt, freq,
 *   frequency, n_records, num_records, record_count, row_count, n_rows or num_rows (case and punctuation
 *   ignored), else the first named *_count or count_* — every row's value there must be a number ≥ k.
 * - Without one, the table may have at most dataRows / k rows: each output row must summarise k input rows on
 *   average.
 */
import { splitLine } from '../../csv';

/** A breach of the rule: how many rows, and where the first is (line or array index, 1-based). */
export interface GroupBreach {
  detail: string;
}

const COUNT_NAMES = new Set(['count', 'n', 'size', 'group_size', 'groupsize', 'support', 'records', 'cnt', 'freq', 'frequency', 'n_records', 'num_records', 'record_count', 'row_count', 'n_rows', 'num_rows']);

const normalName = (name: string) => name.trim().replace(/^["']|["']$/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** Index of the count column among `names`, or −1. */
export function countColumn(names: readonly string[]): number {
  const normal = names.map(normalName);
  const exact = normal.findIndex((name) => COUNT_NAMES.has(name));
  return exact !== -1 ? exact : normal.findIndex((name) => name.endsWith('_count') || name.startsWith('count_'));
}

/** The table shape of a file by its name: a delimiter, 'json' or 'jsonl'; null for other files. */
export function tableKind(file: string): ',' | '\t' | 'json' | 'jsonl' | null {
  const name = file.toLowerCase();
  if (name.endsWith('.csv')) return ',';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return '\t';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  return null;
}

const atLeast = (value: unknown, k: number) => {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return number >= k;
};

function judge(rows: number, names: readonly string[], valueAt: (row: number, column: number) => unknown, k: number, dataRows: number, where: (row: number) => string): GroupBreach | null {
  const column = countColumn(names);
  if (column === -1) {
    return rows > dataRows / k ? { detail: `${rows} rows with no count column: more than one per ${k} data rows (at most ${Math.floor(dataRows / k)})` } : null;
  }
  let small = 0;
  let first = -1;
  for (let row = 0; row < rows; row++) {
    if (!atLeast(valueAt(row, column), k) && small++ === 0) first = row;
  }
  return small > 0 ? { detail: `${small} of ${rows} rows have a count below k = ${k} (first at ${where(first)})` } : null;
}

/** Checks a tabular output against k; null when it passes or is not a table. */
export function checkGroupSize(file: string, bytes: Buffer, k: number, dataRows: number): GroupBreach | null {
  const kind = tableKind(file);
  if (kind === null) return null;
  const text = bytes.toString('utf8');
  if (kind === 'json' || kind === 'jsonl') {
    let records: unknown;
    try {
      records = kind === 'json' ? JSON.parse(text) : text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
    } catch {
      return null;
    }
    if (!Array.isArray(records) || records.length === 0) return null;
    if (!records.every((record) => record !== null && typeof record === 'object' && !Array.isArray(record))) return null;
    const objects = records as Record<string, unknown>[];
    const names = [...new Set(objects.flatMap((record) => Object.keys(record)))];
    return judge(objects.length, names, (row, column) => objects[row]![names[column]!], k, dataRows, (row) => (kind === 'json' ? `element ${row + 1}` : `record ${row + 1}`));
  }
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length === 0) return null;
  const names = splitLine(lines[0]!, kind);
  const rows = lines.slice(1).map((line) => splitLine(line, kind));
  return judge(rows.length, names, (row, column) => rows[row]![column], k, dataRows, (row) => `data row ${row + 1}`);
}
