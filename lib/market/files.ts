/**
 * What the publisher's file says about itself: format from its name, and for tabular text (CSV, JSON lines)
 * the row count, columns and a preview of the first rows, gathered while the file streams through.
 */
import type { DatasetDocument } from '../metadata/schema';

export interface Column {
  name: string;
  type: 'number' | 'boolean' | 'string';
}

export interface FileProfile {
  format: string;
  rowCount?: number;
  columns?: Column[];
  preview?: { format: 'csv' | 'jsonl' | 'text'; content: string };
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

const PREVIEW_LIMIT = 16 * 1024;

function typeOf(values: string[]): Column['type'] {
  const present = values.filter((v) => v !== '');
  if (present.length > 0 && present.every((v) => /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v))) return 'number';
  if (present.length > 0 && present.every((v) => /^(true|false)$/i.test(v))) return 'boolean';
  return 'string';
}

/** Splits one CSV line, honouring double quotes. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * Observes a file's bytes as they stream past (constant memory: it keeps only the first lines) and profiles
 * it. `previewRows` data rows go into the public preview (0 = no preview).
 */
export class FileProfiler {
  private lines = 0;
  private head = '';
  private headDone = false;
  private endsWithNewline = true;
  private sawBytes = false;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly format: string,
    private readonly previewRows: number,
  ) {}

  private get tabular(): boolean {
    return this.format === 'csv' || this.format === 'jsonl';
  }

  observe(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.sawBytes = true;
    if (!this.tabular) return;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) this.lines++;
    this.endsWithNewline = chunk[chunk.length - 1] === 0x0a;
    if (!this.headDone) {
      this.head += this.decoder.decode(chunk.subarray(0, PREVIEW_LIMIT * 2), { stream: true });
      if (this.head.length >= PREVIEW_LIMIT * 2) this.headDone = true;
    }
  }

  profile(): FileProfile {
    if (!this.tabular) return { format: this.format };
    const lineCount = this.lines + (this.sawBytes && !this.endsWithNewline ? 1 : 0);
    const headLines = this.head.split('\n').map((l) => l.replace(/\r$/, ''));
    if (this.format === 'csv') {
      const header = csvCells(headLines[0] ?? '');
      const sample = headLines.slice(1, 51).filter((l) => l !== '').map(csvCells);
      const columns = header.map((name, i) => ({ name, type: typeOf(sample.map((row) => row[i] ?? '')) }));
      return { format: 'csv', rowCount: Math.max(0, lineCount - 1), columns, preview: this.preview(headLines, 1, 'csv') };
    }
    return { format: 'jsonl', rowCount: lineCount, preview: this.preview(headLines, 0, 'jsonl') };
  }

  private preview(lines: string[], headerLines: number, format: 'csv' | 'jsonl'): FileProfile['preview'] {
    if (this.previewRows === 0) return undefined;
    let content = '';
    for (const line of lines.slice(0, headerLines + this.previewRows)) {
      if (line === '' || content.length + line.length + 1 > PREVIEW_LIMIT) break;
      content += `${line}\n`;
    }
    return content ? { format, content } : undefined;
  }
}

const EXTENSIONS: Record<string, string> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', json: 'json', parquet: 'parquet', text: 'txt', zip: 'zip', gzip: 'gz' };

/** A file name for a download into a directory: the title as a slug plus the format's extension. */
export function fileNameFor(id: bigint, document: DatasetDocument): string {
  const slug = document.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || `dataset-${id}`;
  return `${slug}.${EXTENSIONS[document.format] ?? 'bin'}`;
}
