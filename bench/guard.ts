/**
 * Output guard throughput: indexing a raw customer table (1M rows by default) and inspecting outputs against
 * it — a benign binary file (the common case: nothing shared, every byte still rolled and looked up), a full
 * copy, a base64-of-gzip copy, and one 64-byte run hidden in binary (which costs a pass over the raw file to
 * measure). `npx tsx bench/guard.ts [rows] [outputMb]` runs it alone.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_GUARD_POLICY, inspectOutputs, LeakIndex, type GuardVerdict } from '../lib/compute/guard';
import { mulberry32 } from '../lib/demo/random';
import type { PublishFigure } from './publish';

const MB = 1e6;
const round = (value: number) => Math.round(value * 10) / 10;

/** Writes a customer table of `rows` rows (~95 bytes each) to `file`. */
async function writeTable(file: string, rows: number): Promise<void> {
  const random = mulberry32(42);
  const cities = ['London', 'Paris', 'Berlin', 'Madrid', 'Rio de Janeiro', 'São Paulo', 'Toronto', 'Osaka'];
  const out = createWriteStream(file);
  let buffer = 'customer_id,email,signup_date,age,city,plan,income,tenure_months,monthly_spend,support_tickets,churned\n';
  for (let i = 0; i < rows; i++) {
    const day = new Date(Date.UTC(2019, 0, 1) + Math.floor(random() * 1800) * 86_400_000).toISOString().slice(0, 10);
    buffer += `C${1000000 + i},user${Math.floor(random() * 1e6)}.${i}@example.org,${day},${18 + Math.floor(random() * 62)},${cities[i % 8]},${['basic', 'standard', 'premium'][Math.floor(random() * 3)]},${(18000 + random() * 140000).toFixed(2)},${1 + Math.floor(random() * 72)},${(9.99 + random() * 240).toFixed(2)},${Math.floor(random() * 11)},${random() < 0.3 ? 1 : 0}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

/** Index build and inspection figures for a `rows`-row table and `outputMb` MB outputs. */
export async function measureGuard(options: { rows?: number; outputMb?: number } = {}): Promise<PublishFigure[]> {
  const rows = options.rows ?? 1_000_000;
  const outputMb = options.outputMb ?? 32;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-guard-'));
  try {
    const table = path.join(scratch, 'table.csv');
    await writeTable(table, rows);
    const heapBefore = process.memoryUsage();
    const started = performance.now();
    const index = await LeakIndex.build(table);
    const buildS = (performance.now() - started) / 1000;
    const heapAfter = process.memoryUsage();
    const heldMb = (heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers) / MB;
    const rawMb = index.sourceBytes / MB;

    const inspect = async (name: string, content: Buffer): Promise<{ seconds: number; verdict: GuardVerdict }> => {
      const dir = path.join(scratch, name);
      mkdirSync(path.join(dir, 'outputs'), { recursive: true });
      writeFileSync(path.join(dir, 'outputs', name), content);
      const begin = performance.now();
      const verdict = await inspectOutputs({ outputs: path.join(dir, 'outputs'), logs: path.join(dir, 'logs') }, index, { ...DEFAULT_GUARD_POLICY, maxOutputBytes: 256 * 1024 * 1024 });
      return { seconds: (performance.now() - begin) / 1000, verdict };
    };
    const raw = readFileSync(table);
    const benign = await inspect('weights.bin', randomBytes(outputMb * 1024 * 1024));
    const copyBytes = raw.subarray(0, Math.min(raw.length, outputMb * 1024 * 1024));
    const copy = await inspect('copy.csv', copyBytes);
    const hidden = await inspect('blob.b64', Buffer.from(gzipSync(copyBytes).toString('base64')));
    const run = raw.subarray(raw.length >> 1, (raw.length >> 1) + 64);
    const needle = await inspect('model.bin', Buffer.concat([randomBytes(1024 * 1024), run, randomBytes(1024 * 1024)]));
    const verdicts = `${benign.verdict.released ? 'released' : 'REFUSED'} / ${copy.verdict.released ? 'RELEASED' : 'refused'} / ${hidden.verdict.released ? 'RELEASED' : 'refused'} / ${needle.verdict.released ? 'RELEASED' : 'refused'}`;

    return [
      { name: 'guard: index build', value: round(rawMb / buildS), unit: 'MB/s', note: `${rows.toLocaleString('en-US')} rows, ${round(rawMb)} MB, ${round(buildS)} s` },
      { name: 'guard: index size', value: round(index.memoryBytes / MB), unit: 'MB', note: `${index.fingerprints.toLocaleString('en-US')} fingerprints; heap + buffers grew ${round(heldMb)} MB` },
      { name: 'guard: inspect benign binary', value: round(outputMb / benign.seconds), unit: 'MB/s', note: `${outputMb} MiB of random bytes (nothing shared)` },
      { name: 'guard: inspect a plain copy', value: round(copyBytes.length / MB / copy.seconds), unit: 'MB/s', note: `${round(copyBytes.length / MB)} MB of the table` },
      { name: 'guard: inspect base64 of gzip of a copy', value: round(hidden.seconds), unit: 's', note: `the same ${round(copyBytes.length / MB)} MB, ${round(hidden.verdict.scannedBytes / MB)} MB on disk` },
      { name: 'guard: one 64-byte run in 2 MiB binary', value: round(needle.seconds), unit: 's', note: `includes a pass over the ${round(rawMb)} MB raw file to measure it; verdicts ${verdicts}` },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [rows, outputMb] = process.argv.slice(2).map(Number);
  measureGuard({ rows: rows || undefined, outputMb: outputMb || undefined })
    .then((figures) => console.table(figures.map(({ name, value, unit, note }) => ({ measure: name, value: `${value} ${unit}`, note }))))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
