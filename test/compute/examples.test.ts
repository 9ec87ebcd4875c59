/**
 * The example algorithms in examples/algorithms, run for real (/usr/bin/python3 with Debian's pandas and
 * scikit-learn, this Node for the JavaScript one) outside any sandbox, each against a temporary folder laid
 * out like a compute job's /data. Outputs are checked against statistics computed here, independently.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_DATASETS, writeDemoFile } from '@/lib/demo/datasets';

const PYTHON = '/usr/bin/python3';
const ALGORITHMS = path.join(__dirname, '../../examples/algorithms');
const SEED = 7;

interface Job {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The job's DATA_ROOT. */
  root: string;
  outputs: string;
}

let work: string;
const datasets: Record<string, string> = {};

/** A dataset file as rows of cells, header first (the demo CSVs have no quoted cells). */
async function readCsv(file: string): Promise<{ header: string[]; rows: string[][] }> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((line) => line.split(',')) };
}

/**
 * Runs `script` with `command` as a compute job would: the dataset at <root>/inputs/<did>/0, the parameters
 * (if any) at <root>/inputs/algoCustomData.json, DIDS naming the dataset, and a clean environment.
 */
async function runJob(command: string, script: string, dataset: string | undefined, params?: object): Promise<Job> {
  const root = await mkdtemp(path.join(work, 'job-'));
  const did = `did:op:${createHash('sha256').update(dataset ?? 'none').digest('hex')}`;
  await mkdir(path.join(root, 'inputs', did), { recursive: true });
  await mkdir(path.join(root, 'outputs'));
  await mkdir(path.join(root, 'logs'));
  if (dataset) await copyFile(dataset, path.join(root, 'inputs', did, '0'));
  if (params) await writeFile(path.join(root, 'inputs', 'algoCustomData.json'), JSON.stringify(params));
  // Only what a job gets, plus NODE_ENV, which Next's typing of process.env insists on.
  const env = { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, DATA_ROOT: root, DIDS: JSON.stringify([did]) };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [path.join(ALGORITHMS, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, root, outputs: path.join(root, 'outputs') }));
  });
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Fails unless `actual` is within `relative` of `expected` (or within `relative` absolutely near zero). */
function expectClose(actual: number | null | undefined, expected: number, relative = 1e-8): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

/** Mean, sample standard deviation (n - 1, as pandas), min and max. */
function moments(values: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

/** Rows grouped by `key`, in first-seen order. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** No line of the dataset (a whole row) appears in `text`. */
function expectNoRows(text: string, rows: string[][]): void {
  const leaked = rows.map((row) => row.join(',')).filter((line) => text.includes(line));
  expect(leaked).toEqual([]);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'datagora-examples-'));
  for (const file of ['credit-default-benchmark.csv', 'patient-vitals.csv']) {
    const dataset = DEMO_DATASETS.find((d) => d.file === file);
    if (!dataset) throw new Error(`demo dataset ${file} is missing`);
    datasets[file] = await writeDemoFile(path.join(work, 'datasets'), dataset, SEED);
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('train_model.py', () => {
  interface Metrics {
    target: string;
    classes: string[];
    class_balance: Record<string, number>;
    rows: number;
    rows_train: number;
    rows_test: number;
    accuracy: number;
    roc_auc: number;
    f1: number;
    features: string[];
    input_columns: { numeric: string[]; categorical: string[]; excluded: Record<string, string> };
    coefficients?: Record<string, number>;
    importances?: Record<string, number>;
  }

  it('trains a logistic model on credit default that beats chance and recovers the generating signs', async () => {
    const credit = datasets['credit-default-benchmark.csv']!;
    const job = await runJob(PYTHON, 'train_model.py', credit);
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    expect((await readdir(job.outputs)).sort()).toEqual(['metrics.json', 'model.pkl']);

    const { header, rows } = await readCsv(credit);
    const target = header.indexOf('defaulted');
    const defaults = rows.filter((row) => row[target] === '1').length;
    const metrics = await readJson<Metrics>(path.join(job.outputs, 'metrics.json'));
    expect(metrics.target).toBe('defaulted'); // the last column, by default
    expect(metrics.class_balance).toEqual({ '0': rows.length - defaults, '1': defaults });
    expect(metrics.rows).toBe(rows.length);
    expect(metrics.rows_test).toBe(rows.length / 4);
    expect(metrics.rows_train + metrics.rows_test).toBe(rows.length);
    expect(metrics.accuracy).toBeGreaterThan(0.6);
    expect(metrics.accuracy).toBeGreaterThanOrEqual((rows.length - defaults) / rows.length - 0.01);
    expect(metrics.roc_auc).toBeGreaterThan(0.6);
    expect(metrics.f1).toBeGreaterThanOrEqual(0);

    // The id is no feature; region is one-hot; the signs match the generator's score.
    expect(metrics.input_columns.excluded).toEqual({ applicant_id: 'identifier' });
    expect(metrics.input_columns.categorical).toEqual(['region']);
    expect(metrics.features).toEqual(expect.arrayContaining(['income_k', 'debt_ratio', 'region_north', 'region_west']));
    expect(metrics.features).not.toContain('applicant_id');
    const coefficients = metrics.coefficients!;
    for (const risk of ['debt_ratio', 'late_payments', 'utilisation']) expect(coefficients[risk]).toBeGreaterThan(0.1);
    expect(coefficients.income_k).toBeLessThan(-0.1);

    // Progress lines only, and no row of the data anywhere in what leaves.
    expect(job.stdout.trimEnd().split('\n').every((line) => line.startsWith('train_model: '))).toBe(true);
    expectNoRows(`${job.stdout}${await readFile(path.join(job.outputs, 'metrics.json'), 'utf8')}`, rows);

    // model.pkl is the fitted pipeline: loaded in a fresh process it predicts the raw columns as well as reported.
    const check = spawnSync(PYTHON, ['-c', [
      'import json, pickle, sys, pandas as pd',
      'model = pickle.load(open(sys.argv[1], "rb"))',
      'df = pd.read_csv(sys.argv[2])',
      'print(json.dumps(float((model.predict(df.drop(columns=["defaulted"])) == df["defaulted"]).mean())))',
    ].join('\n'), path.join(job.outputs, 'model.pkl'), credit], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(Math.abs(Number(check.stdout) - metrics.accuracy)).toBeLessThan(0.02);
  });

  it('trains a random forest with the buyer parameters', async () => {
    const job = await runJob(PYTHON, 'train_model.py', datasets['credit-default-benchmark.csv'], { target: 'defaulted', model: 'random_forest', test_size: 0.2, seed: 1 });
    expect(job.code).toBe(0);
    const metrics = await readJson<Metrics>(path.join(job.outputs, 'metrics.json'));
    expect(metrics.rows_test).toBe(4000);
    expect(metrics.rows_train).toBe(16000);
    expect(metrics.accuracy).toBeGreaterThan(0.6);
    expect(metrics.coefficients).toBeUndefined();
    const importances = Object.values(metrics.importances!);
    expect(importances).toHaveLength(metrics.features.length);
    expectClose(importances.reduce((sum, v) => sum + v, 0), 1, 1e-4);
  });

  it('refuses a bad parameter or an identifier target with exit 2 and a message, writing nothing', async () => {
    const credit = datasets['credit-default-benchmark.csv'];
    const badModel = await runJob(PYTHON, 'train_model.py', credit, { model: 'svm' });
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toBe('train_model: model must be one of logistic, random_forest\n');
    const idTarget = await runJob(PYTHON, 'train_model.py', credit, { target: 'applicant_id' });
    expect(idTarget.code).toBe(2);
    expect(idTarget.stderr).toMatch(/target column 'applicant_id' has 20000 distinct values/);
    const missing = await runJob(PYTHON, 'train_model.py', credit, { target: 'nope' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/target column 'nope' is not in the dataset/);
    for (const job of [badModel, idTarget, missing]) expect(await readdir(job.outputs)).toEqual([]);
  });
});

describe('aggregate_stats.py', () => {
  interface Summary {
    rows: number;
    group_by: string | null;
    columns: string[];
    groups: number;
    groups_reported: number;
    groups_suppressed: number;
    rows_reported: number;
    rows_suppressed: number;
  }

  const STATS = ['mean', 'std', 'min', 'max'] as const;

  it('computes per-patient statistics that match an independent computation', async () => {
    const vitals = datasets['patient-vitals.csv']!;
    const job = await runJob(PYTHON, 'aggregate_stats.py', vitals, { group_by: 'patient_id' });
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    const { header, rows } = await readCsv(vitals);
    const numeric = header.filter((name) => name !== 'patient_id');
    const summary = await readJson<Summary>(path.join(job.outputs, 'summary.json'));
    expect(summary).toMatchObject({ rows: rows.length, group_by: 'patient_id', columns: numeric, groups: 200, groups_reported: 200, groups_suppressed: 0 });

    const stats = await readCsv(path.join(job.outputs, 'stats.csv'));
    expect(stats.header).toEqual(['patient_id', 'count', ...numeric.flatMap((c) => STATS.map((s) => `${c}_${s}`))]);
    expect(stats.rows).toHaveLength(200);
    const count = stats.header.indexOf('count');
    expect(stats.rows.reduce((sum, row) => sum + Number(row[count]), 0)).toBe(rows.length);

    const byPatient = groupBy(rows, (row) => row[0]!);
    for (const row of stats.rows) {
      const group = byPatient.get(row[0]!)!;
      expect(Number(row[count])).toBe(group.length);
      for (const column of numeric) {
        const expected = moments(group.map((r) => Number(r[header.indexOf(column)])));
        for (const stat of STATS) expectClose(Number(row[stats.header.indexOf(`${column}_${stat}`)]), expected[stat]);
      }
    }
  });

  it('suppresses groups smaller than min_group_size, keys included', async () => {
    const vitals = datasets['patient-vitals.csv']!;
    const { header, rows } = await readCsv(vitals);
    const spo2 = header.indexOf('spo2');
    const sizes = [...groupBy(rows, (row) => row[spo2]!).entries()].map(([value, group]) => ({ value, size: group.length }));
    const large = sizes.filter((g) => g.size >= 500);
    const small = sizes.filter((g) => g.size < 500);
    expect(large.length).toBeGreaterThan(0);
    expect(small.length).toBeGreaterThan(0);

    const job = await runJob(PYTHON, 'aggregate_stats.py', vitals, { group_by: 'spo2', columns: ['heart_rate'], min_group_size: 500 });
    expect(job.code).toBe(0);
    const summary = await readJson<Summary>(path.join(job.outputs, 'summary.json'));
    expect(summary).toMatchObject({
      groups: sizes.length,
      groups_reported: large.length,
      groups_suppressed: small.length,
      rows_reported: large.reduce((sum, g) => sum + g.size, 0),
      rows_suppressed: small.reduce((sum, g) => sum + g.size, 0),
    });
    const stats = await readCsv(path.join(job.outputs, 'stats.csv'));
    expect(stats.header).toEqual(['spo2', 'count', 'heart_rate_mean', 'heart_rate_std', 'heart_rate_min', 'heart_rate_max']);
    expect(stats.rows.map((row) => row[0]).sort()).toEqual(large.map((g) => g.value).sort());
  });

  it('summarises the whole table by default', async () => {
    const vitals = datasets['patient-vitals.csv']!;
    const job = await runJob(PYTHON, 'aggregate_stats.py', vitals);
    expect(job.code).toBe(0);
    const { header, rows } = await readCsv(vitals);
    const stats = await readCsv(path.join(job.outputs, 'stats.csv'));
    expect(stats.rows).toHaveLength(1);
    expect(stats.rows[0]![stats.header.indexOf('count')]).toBe(String(rows.length));
    expect(stats.header.some((name) => name.startsWith('patient_id'))).toBe(false);
    const heartRate = moments(rows.map((row) => Number(row[header.indexOf('heart_rate')])));
    expectClose(Number(stats.rows[0]![stats.header.indexOf('heart_rate_mean')]), heartRate.mean);
  });
});

describe('column_stats.js', () => {
  interface ColumnStats {
    name: string;
    type: string;
    count: number;
    nulls: number;
    mean?: number;
    min?: number;
    max?: number;
    trues?: number;
    distinct: number;
    distinctExact: boolean;
  }
  interface Output {
    format: string;
    rows: number;
    malformedRows: number;
    columns: ColumnStats[];
  }

  it('streams the credit CSV into per-column counts, means and distinct counts', async () => {
    const credit = datasets['credit-default-benchmark.csv']!;
    const job = await runJob(process.execPath, 'column_stats.js', credit);
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    const { header, rows } = await readCsv(credit);
    const output = await readJson<Output>(path.join(job.outputs, 'column_stats.json'));
    expect(output).toMatchObject({ format: 'csv', rows: rows.length, malformedRows: 0 });
    expect(output.columns.map((c) => c.name)).toEqual(header);

    for (const [i, column] of output.columns.entries()) {
      const cells = rows.map((row) => row[i]!);
      expect(column.count).toBe(rows.length);
      expect(column.nulls).toBe(0);
      const distinct = new Set(cells).size;
      if (column.name === 'region') {
        expect(column).toMatchObject({ type: 'string', distinct: 4, distinctExact: true });
        expect(column.mean).toBeUndefined();
        continue;
      }
      expect(column.type).toBe('number');
      const values = cells.map(Number);
      const expected = moments(values);
      expectClose(column.mean, expected.mean, 1e-9);
      expect(column.min).toBe(expected.min);
      expect(column.max).toBe(expected.max);
      if (distinct <= 10_000) expect(column).toMatchObject({ distinct, distinctExact: true });
      else {
        // applicant_id: 20,000 distinct values, past the exact limit, so estimated.
        expect(column.distinctExact).toBe(false);
        expect(Math.abs(column.distinct - distinct) / distinct).toBeLessThan(0.025);
      }
    }
    expectNoRows(await readFile(path.join(job.outputs, 'column_stats.json'), 'utf8'), rows);
  });

  it('reads JSON lines with missing keys, nulls, booleans and nested values', async () => {
    const file = path.join(work, 'datasets', 'events.jsonl');
    const records = [
      { id: 1, temp: 20.5, ok: true, tags: ['a'] },
      { id: 2, temp: null, ok: false },
      { id: 3, ok: true, note: 'late' },
      { id: 4, temp: 22.5, ok: true, tags: ['a'] },
    ];
    await writeFile(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
    const job = await runJob(process.execPath, 'column_stats.js', file);
    expect(job.code).toBe(0);
    const output = await readJson<Output>(path.join(job.outputs, 'column_stats.json'));
    expect(output).toMatchObject({ format: 'jsonl', rows: 4 });
    const byName = new Map(output.columns.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(['id', 'temp', 'ok', 'tags', 'note']);
    expect(byName.get('temp')).toMatchObject({ type: 'number', count: 2, nulls: 2, mean: 21.5, min: 20.5, max: 22.5, distinct: 2 });
    expect(byName.get('ok')).toMatchObject({ type: 'boolean', count: 4, nulls: 0, trues: 3, distinct: 2 });
    expect(byName.get('tags')).toMatchObject({ type: 'string', count: 2, nulls: 2, distinct: 1 });
    expect(byName.get('note')).toMatchObject({ type: 'string', count: 1, nulls: 3, distinct: 1 });
  });

  it('reports an unparseable line by number only, not its content', async () => {
    const file = path.join(work, 'datasets', 'broken.jsonl');
    await writeFile(file, '{"a": 1}\n{"a": secret-value}\n');
    const job = await runJob(process.execPath, 'column_stats.js', file);
    expect(job.code).toBe(2);
    expect(job.stderr).toBe('column_stats: line 2 is not valid JSON\n');
    expect(await readdir(job.outputs)).toEqual([]);
  });
});

describe('gpu_train.py', () => {
  /** Whether this machine's Python has torch with a CUDA device. */
  const hasCuda = spawnSync(PYTHON, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)']).status === 0;

  (hasCuda ? it.skip : it)('exits 3 with a clear message when torch or CUDA is missing', async () => {
    const job = await runJob(PYTHON, 'gpu_train.py', datasets['credit-default-benchmark.csv']);
    expect(job.code).toBe(3);
    expect(job.stderr).toMatch(/^gpu_train: needs (PyTorch with CUDA|a CUDA GPU), .*; run it on a GPU environment\n$/);
    expect(await readdir(job.outputs)).toEqual([]);
  });

  (hasCuda ? it : it.skip)('trains on the GPU and reports the device', async () => {
    const job = await runJob(PYTHON, 'gpu_train.py', datasets['credit-default-benchmark.csv'], { epochs: 5 });
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    const metrics = await readJson<{ device: string; gpu_count: number; epochs: number; accuracy: number; rows_test: number }>(path.join(job.outputs, 'metrics.json'));
    expect(metrics.device).not.toBe('');
    expect(metrics.gpu_count).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatchObject({ epochs: 5, rows_test: 5000 });
    expect(metrics.accuracy).toBeGreaterThan(0.6);
  });
});
