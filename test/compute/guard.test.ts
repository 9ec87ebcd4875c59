/**
 * The output guard against real outputs: the exfiltration algorithms in ./exfiltration run with the Debian
 * Python on a generated customer table (no sandbox here: that is the sandbox's own suite), then the guard
 * judges what they wrote. Benign pandas / scikit-learn outputs must pass; every attack must be refused with
 * the right finding, and no finding may quote the data.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { mulberry32 } from '@/lib/demo/random';
import {
  DEFAULT_GUARD_POLICY,
  inspectOutputs,
  LeakIndex,
  MAX_DIRECTORY_DEPTH,
  MAX_FINDINGS,
  MAX_NAME_BYTES,
  MAX_RELEASED_FILES,
  SHINGLE_BYTES,
  type GuardFinding,
  type GuardPolicy,
  type GuardVerdict,
} from '@/lib/compute/guard';
import { scanShingles } from '@/lib/compute/guard/scan';
import { GuardPolicyError } from '@/lib/compute/errors';

const PYTHON = '/usr/bin/python3';
const ATTACKS = path.join(__dirname, 'exfiltration');
const DID = 'did:op:churn';
const ROWS = 5000;

const CITIES = ['London', 'Paris', 'Berlin', 'Madrid', 'Rio de Janeiro', 'São Paulo', 'Toronto', 'Osaka'];
const PLANS = ['basic', 'standard', 'premium'];
const HEADER = 'customer_id,email,signup_date,age,city,plan,income,tenure_months,monthly_spend,support_tickets,churned';

/** A realistic customer table: ids and emails unique, mixed numeric and categorical columns, a churn label. */
function customerTable(rows: number, seed: number): { csv: string; lines: string[]; ids: string[]; emails: string[] } {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const lines: string[] = [];
  const ids: string[] = [];
  const emails: string[] = [];
  for (let i = 0; i < rows; i++) {
    const id = `C${100000 + i}`;
    const email = `user${Math.floor(random() * 1e6)}.${i}@example.org`;
    const day = new Date(Date.UTC(2019, 0, 1) + Math.floor(random() * 1800) * 86_400_000).toISOString().slice(0, 10);
    const plan = pick(PLANS);
    const tenure = 1 + Math.floor(random() * 72);
    const tickets = Math.floor(random() * random() * 11);
    const churn = random() < 1 / (1 + Math.exp(-(-1.5 + 0.35 * tickets - 0.03 * tenure + (plan === 'basic' ? 0.6 : 0)))) ? 1 : 0;
    const income = (18000 + random() * 140000).toFixed(2);
    const spend = (9.99 + random() * 240).toFixed(2);
    lines.push(`${id},${email},${day},${18 + Math.floor(random() * 62)},${pick(CITIES)},${plan},${income},${tenure},${spend},${tickets},${churn}`);
    ids.push(id);
    emails.push(email);
  }
  return { csv: `${HEADER}\n${lines.join('\n')}\n`, lines, ids, emails };
}

let scratch: string;
let datasetFile: string;
let table: ReturnType<typeof customerTable>;
let index: LeakIndex;
const K_POLICY: GuardPolicy = { ...DEFAULT_GUARD_POLICY, minGroupSize: 10 };

interface Job {
  outputs: string;
  logs: string;
}

/** A fresh /data-like tree: inputs/<did>/0, outputs/, logs/. */
function jobTree(): Job & { root: string } {
  const root = mkdtempSync(path.join(scratch, 'job-'));
  mkdirSync(path.join(root, 'inputs', DID), { recursive: true });
  copyFileSync(datasetFile, path.join(root, 'inputs', DID, '0'));
  for (const dir of ['outputs', 'logs', 'transformations']) mkdirSync(path.join(root, dir));
  return { root, outputs: path.join(root, 'outputs'), logs: path.join(root, 'logs') };
}

/** Runs an algorithm the way the node lays it out (alone in transformations/), stdout and stderr into logs/. */
async function runAlgorithm(script: string, params?: object): Promise<Job> {
  const job = jobTree();
  if (params) writeFileSync(path.join(job.root, 'inputs', 'algoCustomData.json'), JSON.stringify(params));
  const algorithm = path.join(job.root, 'transformations', script);
  copyFileSync(path.join(ATTACKS, script), algorithm);
  const stdout = openSync(path.join(job.logs, 'stdout.log'), 'w');
  const stderr = openSync(path.join(job.logs, 'stderr.log'), 'w');
  try {
    const child = spawn(PYTHON, [algorithm], {
      env: { NODE_ENV: 'test', PATH: '/usr/bin:/bin', DATA_ROOT: job.root, DIDS: JSON.stringify([DID]), ALGO: algorithm },
      stdio: ['ignore', stdout, stderr],
    });
    const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
    if (code !== 0) throw new Error(`${script} exited with ${code}: ${readdirSync(job.logs).join(', ')}`);
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
  return job;
}

/** Outputs written directly: `files` maps a path under outputs/ to its content. */
function outputsOf(files: Record<string, string | Buffer>): Job {
  const job = jobTree();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(job.outputs, name)), { recursive: true });
    writeFileSync(path.join(job.outputs, name), content);
  }
  return job;
}

/** What findings call `area/relative path` of `job`: its number walking the area depth first, names sorted. */
function entryOf(job: Job, label: string): string {
  const [area, ...rest] = label.split('/');
  const root = area === 'outputs' ? job.outputs : job.logs;
  const order: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      order.push(path.relative(root, path.join(dir, name)));
      if (lstatSync(path.join(dir, name)).isDirectory()) walk(path.join(dir, name));
    }
  };
  walk(root);
  const at = order.indexOf(rest.join('/'));
  if (at === -1) throw new Error(`${label} is not in the job's ${area}`);
  return `${area} entry #${at + 1}`;
}

/** Where a finding may point: an entry by number, a directory itself, or the names of the entries. */
const WHERE = /^(outputs|logs)( entry #\d+)?$|^entry names$/;

const leaks = (verdict: GuardVerdict) => verdict.findings.filter((f): f is Extract<GuardFinding, { kind: 'verbatim-leak' }> => f.kind === 'verbatim-leak');

/** No finding quotes an identifier, an email or a row, nor names an entry but by its number. */
function expectNoDataIn(verdict: GuardVerdict): void {
  for (const finding of verdict.findings) if ('file' in finding) expect(finding.file).toMatch(WHERE);
  const text = JSON.stringify(verdict.findings);
  for (let i = 0; i < ROWS; i += 7) {
    expect(text).not.toContain(table.ids[i]);
    expect(text).not.toContain(table.emails[i]);
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-guard-'));
  table = customerTable(ROWS, 20240601);
  datasetFile = path.join(scratch, 'customers.csv');
  writeFileSync(datasetFile, table.csv);
  index = await LeakIndex.build(datasetFile);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('LeakIndex', () => {
  it('indexes every data row but the header, and fingerprints the raw bytes', () => {
    expect(index.rows).toBe(ROWS);
    expect(index.indexedRows).toBe(ROWS);
    expect(index.sourceBytes).toBe(Buffer.byteLength(table.csv));
    // About one fingerprint per ~21 bytes (2 / (W + 1) of positions), fewer for repeated content.
    expect(index.fingerprints).toBeGreaterThan(index.sourceBytes / 40);
    expect(index.fingerprints).toBeLessThan(index.sourceBytes / 15);
    expect(SHINGLE_BYTES).toBe(64);
  });

  it('treats a file starting with { as JSON lines (no header) and counts only non-blank lines', async () => {
    const file = path.join(scratch, 'rows.jsonl');
    writeFileSync(file, '{"id": "a-000001", "score": 0.5, "city": "Paris"}\n\n{"id": "a-000002", "score": 0.25, "city": "Oslo"}\r\n{"x":1}\n');
    const jsonl = await LeakIndex.build(file);
    expect(jsonl.rows).toBe(3);
    expect(jsonl.indexedRows).toBe(2); // {"x":1} is under 16 bytes
    // The same record written as CSV shares no text with the JSON, but its values are the row's fields.
    const verdict = await inspectOutputs(outputsOf({ 'out.csv': 'city,id,score\nOslo,a-000002,0.25\n' }), jsonl, DEFAULT_GUARD_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ match: 'row', detail: expect.stringMatching(/^1 line holding a data row’s fields/) })]);
  });

  it('counts rows only, on request, for the minimum group size rule without leak detection', async () => {
    const counted = await LeakIndex.build(datasetFile, { rowsOnly: true });
    expect(counted.rows).toBe(ROWS);
    expect(counted.fingerprints).toBe(0);
  });

  it('says which file it could not read', async () => {
    await expect(LeakIndex.build(path.join(scratch, 'missing.csv'))).rejects.toThrow(/missing\.csv/);
  });
});

describe('exfiltration algorithms are refused', () => {
  const cases: { script: string; params?: object; file: string; encoding: string; match?: 'row' | 'shingle' }[] = [
    { script: 'copy-file.py', file: 'outputs/results.csv', encoding: 'plain', match: 'row' },
    { script: 'print-rows.py', file: 'logs/stdout.log', encoding: 'plain', match: 'row' },
    { script: 'base64.py', file: 'outputs/embeddings.b64', encoding: 'base64', match: 'row' },
    { script: 'base64.py', params: { variant: 'oneline' }, file: 'outputs/embeddings.b64', encoding: 'base64', match: 'row' },
    { script: 'base64.py', params: { variant: 'urlsafe-rows' }, file: 'outputs/embeddings.b64', encoding: 'base64', match: 'row' },
    { script: 'hex.py', file: 'outputs/checksums.txt', encoding: 'hex', match: 'row' },
    { script: 'gzip.py', file: 'outputs/features.bin.gz', encoding: 'gzip', match: 'row' },
    { script: 'base64-gzip.py', file: 'outputs/metrics.json', encoding: 'base64>gzip', match: 'row' },
    { script: 'reordered-columns.py', file: 'outputs/report.txt', encoding: 'plain', match: 'row' },
    { script: 'model-smuggle.py', file: 'outputs/model.pkl', encoding: 'zlib', match: 'row' },
  ];

  it.each(cases)('$script $params → $encoding leak in $file', async ({ script, params, file, encoding, match }) => {
    const job = await runAlgorithm(script, params);
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(verdict.released).toBe(false);
    expect(leaks(verdict)).toContainEqual(expect.objectContaining({ file: entryOf(job, file), encoding, match }));
    expectNoDataIn(verdict);
  });

  it('reordered columns are found by their field sets, not as text', async () => {
    const verdict = await inspectOutputs(await runAlgorithm('reordered-columns.py'), index, K_POLICY);
    const [finding] = leaks(verdict);
    expect(finding?.detail).toMatch(new RegExp(`^${ROWS} lines holding a data row’s fields in another order or format`));
  });

  it('row-per-file.py: every part is a leak; the verdict keeps MAX_FINDINGS and counts the rest', async () => {
    const job = await runAlgorithm('row-per-file.py');
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(verdict.released).toBe(false);
    expect(verdict.findings).toHaveLength(MAX_FINDINGS);
    expect(verdict.omittedFindings).toBe(ROWS + 1 - MAX_FINDINGS);
    expect(verdict.kinds).toEqual({ 'verbatim-leak': ROWS, 'too-many-files': 1 });
    expect(verdict.findings.slice(0, 2)).toEqual([
      // The parts, and stdout.log and stderr.log in the logs.
      { kind: 'too-many-files', files: ROWS + 2, limit: MAX_RELEASED_FILES },
      expect.objectContaining({ kind: 'verbatim-leak', file: entryOf(job, 'outputs/parts/part-00000.txt'), encoding: 'plain', match: 'row' }),
    ]);
    expectNoDataIn(verdict);
  });

  it('row-per-file-name.py: empty files named after rows are a leak in the entry names', async () => {
    const job = await runAlgorithm('row-per-file-name.py');
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ file: 'entry names', encoding: 'plain', match: 'row', detail: `${ROWS} data rows verbatim (first at byte 0)` })]);
    expect(verdict.kinds).toEqual({ 'verbatim-leak': 1, layout: ROWS, 'too-many-files': 1 });
    expectNoDataIn(verdict);
  });

  it('fragments.py: rows cut into pieces too short to match, one file each, are refused by their number', async () => {
    const job = await runAlgorithm('fragments.py');
    const pieces = table.lines.slice(0, 500).reduce((sum, line) => sum + Math.ceil(line.length / 15), 0);
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(verdict).toMatchObject({ released: false, findings: [{ kind: 'too-many-files', files: pieces + 2, limit: MAX_RELEASED_FILES }], kinds: { 'too-many-files': 1 } });
  });

  it('pickle-dataframe.py is caught by its rare fragments (unique emails), not by rows or runs', async () => {
    const job = await runAlgorithm('pickle-dataframe.py');
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ file: entryOf(job, 'outputs/model.pkl'), encoding: 'plain', match: 'shingle', detail: expect.stringMatching(/^\d+ distinct fragments of rare data values/) })]);
    expectNoDataIn(verdict);
  });

  // Known gap, kept visible: if this starts passing, move it to the table above.
  it.failing('numeric-columns.py (known gap: numbers leave as binary float64, sharing no text with the CSV)', async () => {
    const verdict = await inspectOutputs(await runAlgorithm('numeric-columns.py'), index, K_POLICY);
    expect(verdict.released).toBe(false);
  });
});

describe('legitimate outputs are released', () => {
  it('pandas aggregates: grouped stats with a count column, a describe() summary, progress logs', async () => {
    const job = await runAlgorithm('benign-aggregate.py');
    expect(readdirSync(job.outputs).sort()).toEqual(['stats.csv', 'summary.json']);
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(verdict.findings).toEqual([]);
    expect(verdict.released).toBe(true);
    expect(verdict.scannedBytes).toBeGreaterThan(0);
  });

  it('scikit-learn: pickled logistic regression and random forest pipelines, metrics, importances, a .npy', async () => {
    const job = await runAlgorithm('benign-train.py');
    expect(readdirSync(job.outputs).sort()).toEqual(['coefficients.npy', 'feature_importances.csv', 'metrics.json', 'model-forest.pkl', 'model-logistic.pkl']);
    const verdict = await inspectOutputs(job, index, K_POLICY);
    expect(verdict.findings).toEqual([]);
    expect(verdict.released).toBe(true);
    expect(verdict.scannedBytes).toBeGreaterThan(100_000);
  });

  it('echoing the header, short values and common long values is fine', async () => {
    const verdict = await inspectOutputs(
      outputsOf({
        'columns.txt': `${HEADER}\n${HEADER.split(',').reverse().join('\t')}\n`,
        'cities.csv': `city,n\n${CITIES.map((city) => `${city},625`).join('\n')}\n`,
        'note.txt': `customer C100042 has the highest tenure; most common plan: premium\n`,
      }),
      index,
      K_POLICY,
    );
    expect(verdict).toEqual({ released: true, findings: [], kinds: {}, scannedBytes: expect.any(Number), omittedFindings: 0 });
  });
});

describe('rows and shingles', () => {
  it('finds a row inside a longer line, whatever the line endings', async () => {
    const row = table.lines[1234]!;
    const verdict = await inspectOutputs(outputsOf({ 'log.txt': `step 7 ok\r\nsample=[${row}] loss=0.2\r\n` }), index, DEFAULT_GUARD_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ file: 'outputs entry #1', encoding: 'plain', match: 'row', detail: expect.stringMatching(/^1 data row verbatim/) })]);
  });

  it('finds a row in a CRLF copy, and a CRLF dataset in an LF copy', async () => {
    const crlf = path.join(scratch, 'crlf.csv');
    writeFileSync(crlf, table.csv.replaceAll('\n', '\r\n'));
    const crlfIndex = await LeakIndex.build(crlf);
    expect(crlfIndex.indexedRows).toBe(ROWS);
    for (const [content, used] of [[table.csv.replaceAll('\n', '\r\n'), index], [table.csv, crlfIndex]] as const) {
      const verdict = await inspectOutputs(outputsOf({ 'copy.csv': content }), used, DEFAULT_GUARD_POLICY);
      expect(leaks(verdict)[0]?.detail).toMatch(new RegExp(`^${ROWS} data rows verbatim`));
    }
  });

  it('finds rows re-printed by pandas (index column, re-spelled numbers) by their field sets', async () => {
    // Cities without a space, so whitespace splits fields where the commas were.
    const lines = table.lines.filter((line) => !/Rio|São/.test(line)).slice(0, 5);
    const printed = lines.map((line, i) => `${i}  ${line.split(',').map((v) => (/^\d+$/.test(v) ? `${v}.0` : v)).join('  ')}`);
    const verdict = await inspectOutputs(outputsOf({ 'head.txt': printed.join('\n') }), index, DEFAULT_GUARD_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ match: 'row', detail: '5 lines holding a data row’s fields in another order or format (first at line 1)' })]);
  });

  it(`always finds a shared run of ${SHINGLE_BYTES} bytes, across row boundaries, in any surroundings`, async () => {
    const random = mulberry32(99);
    const raw = Buffer.from(table.csv);
    const headerEnd = raw.indexOf(10) + 1;
    for (let trial = 0; trial < 20; trial++) {
      const start = headerEnd + Math.floor(random() * (raw.length - headerEnd - SHINGLE_BYTES));
      const run = raw.subarray(start, start + SHINGLE_BYTES);
      const noise = (n: number) => Buffer.from(Array.from({ length: n }, () => 33 + Math.floor(random() * 90)));
      const verdict = await inspectOutputs(outputsOf({ 'blob.bin': Buffer.concat([noise(1 + trial * 13), run, noise(trial)]) }), index, DEFAULT_GUARD_POLICY);
      expect(verdict.released).toBe(false);
    }
  });

  it('measures runs on the raw file: a fingerprint shared by chance, or header bytes, do not make 64', async () => {
    const raw = Buffer.from(table.csv);
    const headerEnd = raw.indexOf(10) + 1;
    // The header and 30 bytes of the first row: a run of 130 bytes, but only 30 of them data.
    const echo = `report\n${raw.subarray(0, headerEnd + 30).toString()}…\n`;
    expect((await inspectOutputs(outputsOf({ 'a.txt': echo }), index, DEFAULT_GUARD_POLICY)).released).toBe(true);
    const more = `report\n${raw.subarray(0, headerEnd + SHINGLE_BYTES).toString()}…\n`;
    expect(leaks(await inspectOutputs(outputsOf({ 'a.txt': more }), index, DEFAULT_GUARD_POLICY))).toEqual([
      expect.objectContaining({ match: 'shingle', detail: expect.stringMatching(/^a run of 64\+ bytes of the data/) }),
    ]);
    // 40 bytes of a row amid other text: a fingerprint is shared (a candidate), but the run is too short.
    const noise = 'lorem ipsum dolor sit amet, consectetur adipiscing elit; '.repeat(2);
    let withCandidate: Buffer | undefined;
    for (const line of table.lines) {
      const bytes = Buffer.from(`${noise}${line.slice(8, 48)}${noise}`);
      let candidates = 0;
      await scanShingles(bytes, index.parts, () => candidates++, async () => undefined);
      if (candidates > 0) {
        withCandidate = bytes;
        break;
      }
    }
    expect(withCandidate).toBeDefined();
    expect((await inspectOutputs(outputsOf({ 'b.txt': withCandidate! }), index, DEFAULT_GUARD_POLICY)).released).toBe(true);
  });

  it('many rare fragments are a leak even without a long run', async () => {
    const emails = (n: number) => table.emails.slice(0, n).map((email, i) => `${i}:${email}`).join(' ');
    expect((await inspectOutputs(outputsOf({ 'few.txt': emails(10) }), index, DEFAULT_GUARD_POLICY)).released).toBe(true);
    expect(leaks(await inspectOutputs(outputsOf({ 'many.txt': emails(2000) }), index, DEFAULT_GUARD_POLICY))).toEqual([
      expect.objectContaining({ match: 'shingle', detail: expect.stringMatching(/distinct fragments of rare data values/) }),
    ]);
  });

  it('refuses to measure against a raw file that changed after indexing', async () => {
    const file = path.join(scratch, 'changing.csv');
    writeFileSync(file, table.csv);
    const changing = await LeakIndex.build(file);
    writeFileSync(file, table.csv.toUpperCase());
    const run = Buffer.from(table.csv).subarray(5000, 5000 + SHINGLE_BYTES);
    await expect(inspectOutputs(outputsOf({ 'a.bin': Buffer.concat([Buffer.from('\0\0'), run]) }), changing, DEFAULT_GUARD_POLICY)).rejects.toThrow(/changed after it was indexed/);
  });

  it('rows under 16 bytes are not indexed, so they cannot be found', async () => {
    const file = path.join(scratch, 'short.csv');
    writeFileSync(file, 'a,b\n1,2\n3,4\nlonger-row-here,12345\n');
    const short = await LeakIndex.build(file);
    expect(short.indexedRows).toBe(1);
    expect((await inspectOutputs(outputsOf({ 'x.txt': '1,2\n3,4\n' }), short, DEFAULT_GUARD_POLICY)).released).toBe(true);
    expect((await inspectOutputs(outputsOf({ 'x.txt': 'longer-row-here,12345\n' }), short, DEFAULT_GUARD_POLICY)).released).toBe(false);
  });

  it('looks at file names too', async () => {
    const verdict = await inspectOutputs(outputsOf({ [`${table.lines[3]!.replaceAll('/', '_')}.txt`]: 'ok' }), index, DEFAULT_GUARD_POLICY);
    expect(leaks(verdict)).toEqual([expect.objectContaining({ file: 'entry names', match: 'row' })]);
  });
});

describe('decodings', () => {
  const rows = () => Buffer.from(`${table.lines.slice(100, 140).join('\n')}\n`);
  const encodingOf = async (files: Record<string, string | Buffer>) => leaks(await inspectOutputs(outputsOf(files), index, DEFAULT_GUARD_POLICY)).map((f) => f.encoding);

  it('base64 in a JSON string, glued to a word, url-safe without padding; hex in either case', async () => {
    expect(await encodingOf({ 'a.json': JSON.stringify({ blob: rows().toString('base64') }) })).toEqual(['base64']);
    expect(await encodingOf({ 'b.txt': `xx${rows().toString('base64url')}` })).toEqual(['base64']);
    expect(await encodingOf({ 'c.txt': rows().toString('hex').toUpperCase() })).toEqual(['hex']);
    expect(await encodingOf({ 'd.txt': `0x${rows().toString('hex')}` })).toEqual(['hex']);
  });

  it('zlib and raw deflate, UTF-16, and three layers (hex of gzip of base64)', async () => {
    expect(await encodingOf({ 'a.bin': Buffer.concat([Buffer.from('PK-like header'), deflateSync(rows()), Buffer.alloc(100)]) })).toEqual(['zlib']);
    expect(await encodingOf({ 'b.bin': deflateRawSync(rows()) })).toEqual(['deflate']);
    expect(await encodingOf({ 'c.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rows().toString('latin1'), 'utf16le')]) })).toEqual(['utf16']);
    expect(await encodingOf({ 'd.txt': gzipSync(rows().toString('base64')).toString('hex') })).toEqual(['hex>gzip>base64']);
  });

  it('a zip archive made by Python (deflated entries)', async () => {
    const job = jobTree();
    const data = path.join(job.root, 'inputs', DID, '0');
    const code = `import zipfile; zipfile.ZipFile(${JSON.stringify(path.join(job.outputs, 'a.zip'))}, 'w', zipfile.ZIP_DEFLATED).write(${JSON.stringify(data)}, 'rows.csv')`;
    await new Promise((resolve) => spawn(PYTHON, ['-c', code]).once('exit', resolve));
    expect(leaks(await inspectOutputs(job, index, DEFAULT_GUARD_POLICY)).map((f) => f.encoding)).toContain('zip');
  });

  it('refuses what it cannot decode, as undecodable: bzip2, xz, a gzip bomb, encodings nested four deep', async () => {
    for (const [params, file, what] of [[{}, 'model.bz2', 'bzip2'], [{ format: 'xz' }, 'model.xz', 'xz']] as const) {
      const job = await runAlgorithm('undecodable.py', params);
      const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
      expect(verdict.findings).toEqual([{ kind: 'undecodable', file: entryOf(job, `outputs/${file}`), detail: `${what} data at byte 0: the guard cannot inspect it` }]);
      expect(verdict.kinds).toEqual({ undecodable: 1 });
    }

    // 80 MiB of zeros, then the rows: only the first 64 MiB are inspected, so the file is refused.
    const bomb = gzipSync(Buffer.concat([Buffer.alloc(80 * 1024 * 1024), rows()]));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombed = await inspectOutputs(outputsOf({ 'bomb.gz': bomb }), index, DEFAULT_GUARD_POLICY);
    expect(bombed.findings).toEqual([expect.objectContaining({ kind: 'undecodable', file: 'outputs entry #1', detail: expect.stringMatching(/^gzip data expanding past the 64 MiB/) })]);

    const deep = Buffer.from(Buffer.from(gzipSync(rows()).toString('base64')).toString('hex')).toString('base64');
    const nested = await inspectOutputs(outputsOf({ 'deep.txt': deep }), index, DEFAULT_GUARD_POLICY);
    expect(nested.released).toBe(false);
    expect(nested.findings).toContainEqual(expect.objectContaining({ kind: 'undecodable', detail: expect.stringMatching(/nested more than 3 layers deep/) }));
  });
});

describe('files, links and size', () => {
  it('refuses symbolic links (in or out of the directory), FIFOs, and a linked outputs directory', async () => {
    const job = outputsOf({ 'ok.txt': 'fine' });
    symlinkSync(datasetFile, path.join(job.outputs, 'data.csv'));
    symlinkSync('ok.txt', path.join(job.logs, 'inner-link'));
    await new Promise((resolve) => spawn('mkfifo', [path.join(job.outputs, 'pipe')]).once('exit', resolve));
    const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
    expect(verdict.released).toBe(false);
    expect(verdict.findings).toEqual([
      { kind: 'unreadable', file: 'outputs entry #1', detail: expect.stringMatching(/^a symbolic link/) },
      { kind: 'unreadable', file: 'outputs entry #3', detail: expect.stringMatching(/^a FIFO/) },
      { kind: 'unreadable', file: 'logs entry #1', detail: expect.stringMatching(/^a symbolic link/) },
    ]);

    const linked = jobTree();
    rmSync(linked.outputs, { recursive: true });
    symlinkSync(job.outputs, linked.outputs);
    expect((await inspectOutputs(linked, index, DEFAULT_GUARD_POLICY)).findings).toEqual([{ kind: 'unreadable', file: 'outputs', detail: expect.stringMatching(/symbolic link.*not a directory/) }]);
  });

  describe('names every entry carries are scanned like file names', () => {
    const row = () => table.lines[42]!.replaceAll('/', '_');
    const python = (code: string) => new Promise((resolve) => spawn(PYTHON, ['-c', code]).once('exit', resolve));
    const kinds: [string, (file: string) => Promise<unknown> | void, string | null][] = [
      ['a symbolic link', (file) => symlinkSync('/etc/hostname', file), 'a symbolic link'],
      ['a FIFO', (file) => python(`import os; os.mkfifo(${JSON.stringify(file)})`), 'a FIFO'],
      // Bound from its directory: a socket's path is limited to 108 bytes.
      ['a socket', (file) => python(`import os, socket; os.chdir(${JSON.stringify(path.dirname(file))}); socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path.basename(file))})`), 'a socket'],
      ['an empty directory', (file) => void mkdirSync(file), null],
      ['a directory above a file', (file) => writeFileSync(path.join(mkdirSync(path.join(file, 'inner'), { recursive: true })!, 'ok.txt'), 'fine'), null],
    ];

    it.each(kinds)('a row as the name of %s is a leak, and no finding names it', async (_, make, refusal) => {
      const job = outputsOf({ 'ok.txt': 'fine' });
      await make(path.join(job.outputs, row()));
      const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
      expect(verdict.released).toBe(false);
      expect(leaks(verdict)).toEqual([expect.objectContaining({ file: 'entry names', encoding: 'plain', match: 'row' })]);
      if (refusal) expect(verdict.findings).toContainEqual({ kind: 'unreadable', file: entryOf(job, `outputs/${row()}`), detail: expect.stringContaining(refusal) });
      expect(JSON.stringify(verdict)).not.toContain(table.ids[42]);
      expectNoDataIn(verdict);
    });

    it('a row in a link name is reported as a leak even when refusals fill the findings', async () => {
      const job = outputsOf({});
      for (let i = 0; i < MAX_FINDINGS + 10; i++) symlinkSync('/etc/hostname', path.join(job.outputs, `link-${i}`));
      // Hex-encoded in a name in the logs: names are decoded like content (and this one is over MAX_NAME_BYTES).
      symlinkSync('/etc/hostname', path.join(job.logs, Buffer.from(table.lines[7]!).toString('hex')));
      const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
      expect(verdict.findings[0]).toEqual(expect.objectContaining({ kind: 'verbatim-leak', file: 'entry names', encoding: 'hex', match: 'row' }));
      expect(verdict.kinds).toEqual({ 'verbatim-leak': 1, unreadable: MAX_FINDINGS + 11, layout: 1 });
      expect(verdict.omittedFindings).toBe(13);
      expectNoDataIn(verdict);
    });

    it('files named after rows, deep in directories named after rows: every finding says where by number only', async () => {
      const deep = table.lines.slice(0, MAX_DIRECTORY_DEPTH).map((line) => line.replaceAll('/', '_').slice(0, 200)).join('/');
      const files = Object.fromEntries(table.lines.slice(100, 120).map((line) => [`${deep}/${line.replaceAll('/', '_')}.bz2`, Buffer.from('BZh91AY&SY\u0000\u0001')]));
      const job = outputsOf(files);
      const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
      expect(verdict.kinds).toEqual({ 'verbatim-leak': 1, layout: MAX_DIRECTORY_DEPTH + 20, undecodable: 20 });
      const entries = (kind: GuardFinding['kind']) => verdict.findings.filter((f) => f.kind === kind).map((f) => 'file' in f && f.file);
      expect(entries('layout')).toEqual(Array.from({ length: MAX_DIRECTORY_DEPTH + 20 }, (_, i) => `outputs entry #${1 + i}`));
      expect(entries('undecodable')).toEqual(Array.from({ length: 20 }, (_, i) => `outputs entry #${MAX_DIRECTORY_DEPTH + 1 + i}`));
      expectNoDataIn(verdict);
    });
  });

  it('refuses outputs and logs over the size limit together, without reading them', async () => {
    const job = outputsOf({ 'a.bin': Buffer.alloc(600), 'b/c.bin': Buffer.alloc(300) });
    writeFileSync(path.join(job.logs, 'log.txt'), Buffer.alloc(200));
    const verdict = await inspectOutputs(job, index, { maxOutputBytes: 1000, leakDetection: true });
    expect(verdict).toEqual({ released: false, findings: [{ kind: 'output-too-large', bytes: 1100, limit: 1000 }], kinds: { 'output-too-large': 1 }, scannedBytes: 0, omittedFindings: 0 });
  });

  it('releases empty or missing directories', async () => {
    expect((await inspectOutputs({ outputs: path.join(scratch, 'none-1'), logs: path.join(scratch, 'none-2') }, index, DEFAULT_GUARD_POLICY)).released).toBe(true);
  });
});

describe('layout', () => {
  const CHARACTERS = 'a name with characters other than ASCII letters, digits, “.”, “_” and “-”';

  it(`releases what honest jobs write, up to ${MAX_RELEASED_FILES} files, ${MAX_DIRECTORY_DEPTH} directories deep, names of ${MAX_NAME_BYTES} bytes`, async () => {
    const honest: Record<string, string> = {
      'Model_V2.final-1.pkl': 'model',
      '.ipynb_checkpoints/analysis-checkpoint.json': '{}',
      '_SUCCESS': '',
      [`a/b/c/d/e/f/g/${'h'.repeat(MAX_NAME_BYTES)}/deep.csv`]: 'x,y\n1,2\n',
    };
    for (let i = 0; i < MAX_RELEASED_FILES - 5; i++) honest[`plots/figure-${String(i).padStart(2, '0')}.png`] = `figure ${i}`;
    const job = outputsOf(honest);
    writeFileSync(path.join(job.logs, 'algorithm.log'), 'done\n');
    expect(await inspectOutputs(job, index, DEFAULT_GUARD_POLICY)).toMatchObject({ released: true, findings: [] });

    writeFileSync(path.join(job.logs, 'extra.log'), 'one too many\n');
    expect(await inspectOutputs(job, index, DEFAULT_GUARD_POLICY)).toMatchObject({ released: false, findings: [{ kind: 'too-many-files', files: MAX_RELEASED_FILES + 1, limit: MAX_RELEASED_FILES }] });
  });

  const names: [string, string, string][] = [
    ['a space', 'two words.txt', CHARACTERS],
    ['a comma', 'a,b.csv', CHARACTERS],
    ['a newline', 'line\nbreak.txt', CHARACTERS],
    ['a backslash', 'back\\slash.txt', CHARACTERS],
    ['a control character', 'bell\u0007.txt', CHARACTERS],
    ['a composed accent (NFC)', 'caf\u00e9.txt', CHARACTERS],
    ['a decomposed accent (NFD)', 'cafe\u0301.txt', CHARACTERS],
    [`${MAX_NAME_BYTES + 1} bytes`, `${'x'.repeat(MAX_NAME_BYTES - 3)}.txt`, `a name longer than ${MAX_NAME_BYTES} bytes`],
  ];

  it.each(names)('refuses a name with %s, saying which rule and where, never the name', async (_, name, detail) => {
    const job = outputsOf({ 'ok.txt': 'fine', [name]: 'fine' });
    const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
    expect(verdict.findings).toEqual([{ kind: 'layout', file: entryOf(job, `outputs/${name}`), detail }]);
    expect(JSON.stringify(verdict)).not.toContain(name.slice(0, 4));
  });

  it('refuses names in one directory differing only in letter case (one would overwrite the other on macOS or Windows)', async () => {
    const job = outputsOf({ 'Report.csv': 'a', 'report.csv': 'b', 'sub/report.csv': 'c' });
    expect((await inspectOutputs(job, index, DEFAULT_GUARD_POLICY)).findings).toEqual([{ kind: 'layout', file: 'outputs entry #2', detail: 'a name differing only in letter case from outputs entry #1' }]);
  });

  it(`refuses a directory more than ${MAX_DIRECTORY_DEPTH} deep, without walking it`, async () => {
    const job = outputsOf({ 'a/b/c/d/e/f/g/h/i/j/deep.txt': 'fine' });
    expect((await inspectOutputs(job, index, DEFAULT_GUARD_POLICY)).findings).toEqual([
      { kind: 'layout', file: `outputs entry #${MAX_DIRECTORY_DEPTH + 1}`, detail: `a directory more than ${MAX_DIRECTORY_DEPTH} levels deep (not walked)` },
    ]);
  });

  it('reads a name that is not UTF-8 as bytes: refused by its name, opened, and its rows still found', async () => {
    const job = jobTree();
    writeFileSync(Buffer.concat([Buffer.from(`${job.outputs}/r`), Buffer.from([0xff, 0xfe]), Buffer.from('.csv')]), `${table.lines.slice(0, 20).join('\n')}\n`);
    const verdict = await inspectOutputs(job, index, DEFAULT_GUARD_POLICY);
    expect(verdict.kinds).toEqual({ layout: 1, 'verbatim-leak': 1 });
    expect(verdict.findings).toEqual([
      { kind: 'layout', file: 'outputs entry #1', detail: CHARACTERS },
      expect.objectContaining({ kind: 'verbatim-leak', file: 'outputs entry #1', match: 'row' }),
    ]);
    expectNoDataIn(verdict);
  });
});

describe('minimum group size', () => {
  const check = (files: Record<string, string>, policy: GuardPolicy = K_POLICY) => inspectOutputs(outputsOf(files), index, policy);

  it('a count column must be ≥ k in every row', async () => {
    expect((await check({ 'g.csv': 'city,count,mean\nParis,12,3.5\nOslo,10,2\n' })).released).toBe(true);
    const verdict = await check({ 'g.csv': 'city,Group Size,mean\nParis,12,3.5\nOslo,3,2\nRome,,1\n' });
    expect(verdict.findings).toEqual([{ kind: 'small-group', file: 'outputs entry #1', detail: '2 of 3 rows have a count below k = 10 (first at data row 2)' }]);
    const json = await check({ 'g.json': JSON.stringify([{ plan: 'basic', n: 40 }, { plan: 'gold', n: 2 }]) });
    expect(json.findings).toEqual([expect.objectContaining({ kind: 'small-group', detail: expect.stringMatching(/^1 of 2 rows .*element 2/) })]);
    const tsv = await check({ 'g.tsv': 'plan\tchurn_count\nbasic\t4\n' });
    expect(tsv.released).toBe(false);
  });

  it('without a count column, at most dataRows / k rows', async () => {
    const rows = (n: number) => `a,b\n${Array.from({ length: n }, (_, i) => `${i},x`).join('\n')}\n`;
    expect((await check({ 't.csv': rows(ROWS / 10) })).released).toBe(true);
    expect((await check({ 't.csv': rows(ROWS / 10 + 1) })).findings).toEqual([{ kind: 'small-group', file: 'outputs entry #1', detail: `${ROWS / 10 + 1} rows with no count column: more than one per 10 data rows (at most ${ROWS / 10})` }]);
    expect((await check({ 't.csv': rows(ROWS / 10 + 1) }, DEFAULT_GUARD_POLICY)).released).toBe(true);
    expect((await check({ 't.txt': rows(ROWS / 10 + 1) })).released).toBe(true);
  });

  it('reads only the outputs, and works on a row count without leak detection', async () => {
    const job = outputsOf({});
    writeFileSync(path.join(job.logs, 'g.csv'), 'city,count\nOslo,1\n');
    expect((await inspectOutputs(job, index, K_POLICY)).released).toBe(true);
    const counted = await LeakIndex.build(datasetFile, { rowsOnly: true });
    const small = outputsOf({ 'g.csv': 'city,count\nOslo,1\n', 'copy.csv': table.csv.slice(0, 400) });
    expect((await inspectOutputs(small, counted, { maxOutputBytes: 1 << 20, leakDetection: false, minGroupSize: 10 })).findings).toEqual([expect.objectContaining({ kind: 'small-group', file: 'outputs entry #2' })]);
  });
});

describe('policy', () => {
  it('needs an index for leak detection or k, and sane numbers', async () => {
    const job = outputsOf({});
    await expect(inspectOutputs(job, undefined, DEFAULT_GUARD_POLICY)).rejects.toBeInstanceOf(GuardPolicyError);
    await expect(inspectOutputs(job, undefined, { maxOutputBytes: 10, leakDetection: false, minGroupSize: 5 })).rejects.toThrow(/row count/);
    await expect(inspectOutputs(job, index, { maxOutputBytes: 0, leakDetection: true })).rejects.toThrow(/maxOutputBytes/);
    expect((await inspectOutputs(outputsOf({ 'copy.csv': table.csv }), undefined, { maxOutputBytes: 1 << 20, leakDetection: false })).released).toBe(true);
  });
});
