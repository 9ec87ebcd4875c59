/**
 * The public preview of a tabular dataset as a table: CSV (RFC 4180 quoting, header row first) or JSON lines
 * (one object per line; the columns are every key in order of first appearance). Every cell is visible text:
 * a document from another client, or a JSON escape like \u202e, can still carry control or bidi characters.
 */
import { csvRecords } from '@/lib/csv';
import { visibleText } from '@/lib/market/files';
import type { DatasetDocument } from '@/lib/metadata';

export interface PreviewTable {
  columns: string[];
  rows: string[][];
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return visibleText(typeof value === 'string' ? value : JSON.stringify(value));
}

function jsonLinesTable(text: string): PreviewTable | null {
  const objects: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      // A line that is not an object cannot be laid out in columns: show the text instead.
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
      objects.push(value as Record<string, unknown>);
    } catch {
      return null;
    }
  }
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return { columns: columns.map(visibleText), rows: objects.map((o) => columns.map((name) => cell(o[name]))) };
}

/** The preview as a table, or null when it is plain text or does not parse as its format says. */
export function previewTable(preview: NonNullable<DatasetDocument['preview']>): PreviewTable | null {
  if (preview.format === 'jsonl') return jsonLinesTable(preview.content);
  if (preview.format !== 'csv') return null;
  const [header, ...rows] = csvRecords(preview.content).filter((r) => r.some((f) => f !== ''));
  if (!header) return null;
  return { columns: header.map(visibleText), rows: rows.map((r) => header.map((_, i) => visibleText(r[i] ?? ''))) };
}

/** The preview as text, for a preview that is no table: line breaks kept, every other invisible character shown. */
export function previewText(preview: NonNullable<DatasetDocument['preview']>): string {
  return preview.content.split('\n').map(visibleText).join('\n');
}
