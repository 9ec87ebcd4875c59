/**
 * The analysis templates run for real: each Python file in the bubblewrap sandbox with /usr/bin/python3 (Debian's
 * numpy, pandas and scikit-learn) on the demo patient-vitals dataset (200 patients × 60 rows), as a provider node
 * runs them, and their results go through releaseTemplateOutput. Results are checked against statistics computed
 * here from the CSV. The release's refusals and noise are in templates-release.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInSandbox, sandboxSupport } from '@/lib/compute/bubblewrap';
import { ALGORITHM_LOG } from '@/lib/compute/engine';
import { MAX_RESULT_BYTES, parseTemplateParams, releaseTemplateOutput, TEMPLATES, templateByHash, templateByName, templateSummaries, TemplateOutputError } from '@/lib/compute/templates';
import { csvRecords } from '@/lib/csv';
import { DEMO_DATASETS, writeDemoFile } from '@/lib/demo/datasets';

const PYTHON = '/usr/bin/python3';
const DID = 'did:op:vitals';
const MiB = 1 << 20;
const FEATURES = ['heart_rate', 'spo2', 'resp_rate'];

let scratch: string;
let dataFile: string;
/** The demo file's numeric columns, and its patient ids. */
let table: Record<string, number[]>;
let patients: string[];

beforeAll(async () => {
  const support = await sandboxSupport();
  if (!support.ok) throw new Error(`${support.reason}\n  → ${support.hint}`);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-templates-test-'));
  dataFile = await writeDemoFile(scratch, DEMO_DATASETS.find((dataset) => dataset.file === 'patient-vitals.csv')!, 7);
  const [header, ...rows] = csvRecords(readFileSync(dataFile, 'utf8'));
  table = Object.fromEntries(header!.map((name, i) => [name, rows.map((row) => Number(row[i]))]));
  patients = rows.map((row) => row[0]!);
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  /** result.json as the template wrote it. */
  raw: string;
  /** What the algorithm printed. */
  log: string;
  exitCode: number | null;
  /** The files it left in /data/outputs. */
  outputs: string[];
}

/**
 * Runs template `name` in the sandbox as a node does: the parsed parameters as algoCustomData.json, the dataset at
 * /data/inputs/<DID>/0 and, for evaluate, the buyer's model at /data/inputs/model.pkl. `written` replaces the
 * parameters file (a node bug, for the log test).
 */
async function run(name: string, params: unknown, options: { model?: string; written?: string } = {}): Promise<Run> {
  const template = templateByName(name)!;
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  const inputs = path.join(dir, 'inputs');
  mkdirSync(path.join(inputs, DID), { recursive: true });
  copyFileSync(dataFile, path.join(inputs, DID, '0'));
  writeFileSync(path.join(inputs, 'algoCustomData.json'), options.written ?? JSON.stringify(parseTemplateParams(template, params)));
  if (options.model) copyFileSync(options.model, path.join(inputs, 'model.pkl'));
  for (const item of [inputs, path.join(inputs, DID)]) chmodSync(item, 0o755);
  const outputs = path.join(dir, 'outputs');
  const logs = path.join(dir, 'logs');
  const algorithm = path.join(dir, `${name}.py`);
  writeFileSync(algorithm, template.source, { mode: 0o644 });
  const result = await runInSandbox({
    command: [PYTHON, `/data/transformations/${name}.py`],
    env: { DIDS: JSON.stringify([DID]) },
    inputs,
    algorithm,
    outputs,
    logs,
    limits: { wallSeconds: 120, memoryBytes: 1024 * MiB, cpus: 1, processes: 64, outputBytes: 2 * MiB, logBytes: 64 * 1024 },
  });
  expect(result.outcome).toBe('exited');
  const files = readdirSync(outputs);
  return { raw: files.includes('result.json') ? readFileSync(path.join(outputs, 'result.json'), 'utf8') : '', log: readFileSync(path.join(logs, ALGORITHM_LOG), 'utf8'), exitCode: result.exitCode, outputs: files };
}

/** Runs `name` and releases its result for `minGroupSize`: the released value, and checks every run shares. */
async function released(name: string, params: unknown, options: { minGroupSize?: number; model?: string } = {}): Promise<{ value: Record<string, unknown>; json: string; raw: string }> {
  const ran = await run(name, params, options);
  // One file, nothing printed: a template never writes data to the log.
  expect({ exitCode: ran.exitCode, outputs: ran.outputs, log: ran.log }).toEqual({ exitCode: 0, outputs: ['result.json'], log: '' });
  const template = templateByName(name)!;
  expect(template.output.safeParse(JSON.parse(ran.raw)).success).toBe(true);
  const { json, epsilonSpent } = releaseTemplateOutput(template, parseTemplateParams(template, params), ran.raw, { minGroupSize: options.minGroupSize });
  expect(epsilonSpent).toBe(0);
  return { value: JSON.parse(json) as Record<string, unknown>, json, raw: ran.raw };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const mean = (values: number[]) => sum(values) / values.length;

/** numpy's default quantile: linear interpolation between the closest ranks. */
function quantile(values: number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * level;
  const low = Math.floor(h);
  return sorted[low]! + (h - low) * ((sorted[low + 1] ?? sorted[low]!) - sorted[low]!);
}

function pearson(x: number[], y: number[]): number {
  const [mx, my] = [mean(x), mean(y)];
  const cov = sum(x.map((v, i) => (v - mx) * (y[i]! - my)));
  return cov / Math.sqrt(sum(x.map((v) => (v - mx) ** 2)) * sum(y.map((v) => (v - my) ** 2)));
}

/** ROC AUC of scores against 0/1 labels: the chance a random positive outscores a random negative. */
function auc(scores: number[], labels: number[]): number {
  const order = scores.map((score, i) => [score, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let negatives = 0;
  let wins = 0;
  for (const [, label] of order) {
    if (label === 1) wins += negatives;
    else negatives++;
  }
  return wins / (negatives * (labels.length - negatives));
}

describe('the manifest', () => {
  it('names each template by its file: hash, version and description from its header, found by name and hash', () => {
    expect(TEMPLATES.map((template) => template.name)).toEqual(['aggregate', 'histogram', 'correlation', 'train', 'evaluate']);
    for (const template of TEMPLATES) {
      const bytes = Buffer.from(template.source);
      expect(template.hash).toBe(`0x${createHash('sha256').update(bytes).digest('hex')}`);
      expect(templateByHash(template.hash.toUpperCase().replace('0X', '0x'))).toBe(template);
      expect(bytes.toString('utf8').startsWith(`# Datagora analysis template "${template.name}", version ${template.version}.`)).toBe(true);
      expect(template.description.length).toBeGreaterThan(50);
    }
    expect(templateByName('shell')).toBeUndefined();
    expect(JSON.parse(JSON.stringify(templateSummaries))).toEqual(templateSummaries);
    expect(templateSummaries[1]!.params).toMatchObject({ type: 'object', additionalProperties: false, required: ['column', 'bins', 'range'] });
  });

  it('builds each template as one file with the shared prelude, which holds the node’s result cap', () => {
    const prelude = readFileSync(path.resolve(__dirname, '../../lib/compute/templates/prelude.py'), 'utf8');
    expect(prelude).toContain(`MAX_RESULT_BYTES = ${MAX_RESULT_BYTES}\n`);
    for (const template of TEMPLATES) {
      expect(template.source).toContain('\ndef run(compute):');
      expect(template.source).not.toContain('prelude.py');
      expect(readFileSync(path.resolve(__dirname, `../../lib/compute/templates/${template.name}.py`), 'utf8')).not.toContain('\ndef run(compute):');
    }
  });

  it('says which columns a job names and what ε it spends', () => {
    const aggregate = templateByName('aggregate')!;
    const noisy = parseTemplateParams(aggregate, { groupBy: ['alert'], metrics: [{ column: 'heart_rate', stats: ['mean'] }], bounds: { spo2: [80, 100], heart_rate: [30, 200] }, noise: 'laplace', epsilon: 0.5 });
    expect(aggregate.columnsOf(noisy)).toEqual(['alert', 'heart_rate', 'spo2']);
    expect([aggregate.noisy(noisy), aggregate.epsilonOf(noisy)]).toEqual([true, 0.5]);
    const train = templateByName('train')!;
    const exact = parseTemplateParams(train, { model: 'forest', target: 'alert', features: FEATURES });
    expect([train.noisy(exact), train.epsilonOf(exact), train.columnsOf(exact)]).toEqual([false, 0, ['alert', ...FEATURES]]);
  });

  it('refuses parameters it does not take, naming each problem', () => {
    const refused = (name: string, params: unknown) => expect(() => parseTemplateParams(templateByName(name)!, params)).toThrow(expect.objectContaining({ name: 'TemplateParamsError' }));
    refused('aggregate', { metrics: [], code: 'import os' });
    refused('aggregate', { groupBy: ['a', 'b', 'c', 'd'] });
    refused('aggregate', { metrics: [{ column: 'spo2', stats: ['min'] }], noise: 'laplace', epsilon: 1 });
    refused('aggregate', { metrics: [{ column: 'spo2', stats: ['sum'] }], noise: 'laplace', epsilon: 1 });
    refused('aggregate', { metrics: [{ column: 'spo2', stats: ['count'] }], epsilon: 1 });
    refused('aggregate', { metrics: [{ column: 'spo2', stats: ['count'] }], noise: 'gaussian', epsilon: 1 });
    refused('aggregate', { metrics: [{ column: 'x'.repeat(201), stats: ['count'] }] });
    refused('aggregate', { quantiles: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] });
    refused('histogram', { column: 'spo2', bins: 10, range: [100, 90] });
    refused('histogram', { column: 'spo2', bins: 10 });
    refused('correlation', { columns: ['spo2', 'spo2'] });
    refused('train', { model: 'linear', target: 'alert', features: FEATURES, trees: 5 });
    refused('train', { model: 'forest', target: 'alert', features: FEATURES, trees: 51 });
    refused('train', { model: 'logistic', target: 'alert', features: FEATURES, noise: 'gaussian', epsilon: 1, delta: 1e-6, l2: 0.01, featureBounds: { heart_rate: [40, 140] } });
    refused('train', { model: 'logistic', target: 'alert', features: FEATURES, noise: 'laplace', epsilon: 1, l2: 0.01, featureBounds: {} });
    refused('evaluate', { target: 'alert', features: [] });
  });
});

describe('aggregate', () => {
  it('counts and summarises the whole table and each group as computed here, clipped to the bounds', async () => {
    const stats = ['count', 'sum', 'mean', 'min', 'max', 'quantiles'];
    const { value } = await released('aggregate', { groupBy: ['alert'], metrics: [{ column: 'heart_rate', stats }, { column: 'spo2', stats: ['mean'] }], bounds: { heart_rate: [70, 90] } });
    const round = (x: number) => Number(x.toPrecision(6));
    const expected = [0, 1].map((alert) => {
      const rows = table.alert!.map((label, i) => (label === alert ? i : -1)).filter((i) => i >= 0);
      const heart = rows.map((i) => Math.min(90, Math.max(70, table.heart_rate![i]!)));
      return {
        key: [String(alert)],
        count: rows.length,
        metrics: {
          heart_rate: { count: rows.length, sum: sum(heart), mean: round(mean(heart)), min: Math.min(...heart), max: Math.max(...heart), quantiles: [0.25, 0.5, 0.75].map((q) => round(quantile(heart, q))) },
          spo2: { mean: round(mean(rows.map((i) => table.spo2![i]!))) },
        },
      };
    });
    expect(value).toEqual({ groups: expected, suppressed: 0 });
    expect(expected[0]!.count + expected[1]!.count).toBe(12_000);
  });

  it('suppresses every group smaller than k: each patient has 60 rows', async () => {
    const params = { groupBy: ['patient_id'], metrics: [{ column: 'heart_rate', stats: ['mean'] }] };
    expect((await released('aggregate', { ...params, minGroupSize: 100 })).value).toEqual({ groups: [], suppressed: 200 });
    const byPatient = await released('aggregate', { ...params, minGroupSize: 60 });
    expect((byPatient.value.groups as { key: string[]; count: number }[]).map((group) => [group.key[0], group.count])).toEqual([...new Set(patients)].sort().map((id) => [id, 60]));
    // The node's own k holds even when the parameters ask for less.
    expect((await released('aggregate', { ...params, minGroupSize: 2 }, { minGroupSize: 61 })).value).toEqual({ groups: [], suppressed: 200 });
  });

  it('answers a bad column with a fixed error code and the column, and too many groups with one', async () => {
    expect((await released('aggregate', { metrics: [{ column: 'weight', stats: ['sum'] }] })).value).toEqual({ error: { code: 'unknown-column', column: 'weight' } });
    expect((await released('aggregate', { metrics: [{ column: 'patient_id', stats: ['sum'] }] })).value).toEqual({ error: { code: 'not-numeric', column: 'patient_id' } });
    expect((await released('aggregate', { groupBy: ['patient_id', 'minute'], metrics: [] })).value).toEqual({ error: { code: 'too-many-groups' } });
  });

  it('exits 1 naming only the exception when it fails otherwise', async () => {
    const ran = await run('aggregate', {}, { written: JSON.stringify({ metrics: [] }) });
    expect({ exitCode: ran.exitCode, log: ran.log, outputs: ran.outputs }).toEqual({ exitCode: 1, log: 'failed: KeyError\n', outputs: [] });
  });
});

describe('histogram and correlation', () => {
  it('counts a column in the bins of the range given, below and above, as counted here; small bins as null', async () => {
    const { value } = await released('histogram', { column: 'spo2', bins: 8, range: [90, 98] });
    const spo2 = table.spo2!;
    const counts = Array.from({ length: 8 }, (_, i) => spo2.filter((v) => v >= 90 + i && (i === 7 ? v <= 98 : v < 91 + i)).length);
    expect(value).toEqual({ edges: [90, 91, 92, 93, 94, 95, 96, 97, 98], counts, below: spo2.filter((v) => v < 90).length, above: spo2.filter((v) => v > 98).length });
    expect(sum(counts) + (value.below as number) + (value.above as number)).toBe(12_000);
    const small = counts.findIndex((count) => count > 0 && count < 100);
    expect(small).toBeGreaterThanOrEqual(0);
    const guarded = (await released('histogram', { column: 'spo2', bins: 8, range: [90, 98] }, { minGroupSize: 100 })).value;
    expect((guarded.counts as (number | null)[])[small]).toBeNull();
  });

  it('correlates columns as computed here, with a diagonal of 1', async () => {
    const columns = ['heart_rate', 'spo2', 'resp_rate', 'alert'];
    const { value } = await released('correlation', { columns });
    const matrix = value.matrix as number[][];
    expect(value.rows).toBe(12_000);
    columns.forEach((a, i) =>
      columns.forEach((b, j) => {
        expect(matrix[i]![j]).toBeCloseTo(i === j ? 1 : pearson(table[a]!, table[b]!), 5);
      }),
    );
    expect(matrix[0]![3]).toBeGreaterThan(0.2); // a fast heart makes an alert likelier
    expect((await released('correlation', { columns }, { minGroupSize: 20_000 })).value).toEqual({ error: { code: 'too-few-rows' } });
  });
});

describe('train', () => {
  const predict = (coefficients: Record<string, number>, intercept: number, i: number) => intercept + sum(FEATURES.map((feature) => coefficients[feature]! * table[feature]![i]!));

  it('fits a linear and a logistic model whose coefficients and held-out metrics hold on the data', async () => {
    const linear = (await released('train', { model: 'linear', target: 'alert', features: FEATURES })).value as { coefficients: Record<string, number>; metrics: Record<string, number>; n: number; nTest: number };
    expect([linear.n, linear.nTest]).toEqual([9000, 3000]);
    expect(linear.metrics.r2).toBeGreaterThan(0.15);
    const logistic = (await released('train', { model: 'logistic', target: 'alert', features: FEATURES, seed: 3 })).value as { coefficients: Record<string, number>; intercept: number; metrics: Record<string, number> };
    expect(logistic.metrics.accuracy).toBeGreaterThan(0.6);
    expect(logistic.metrics.auc).toBeGreaterThan(0.8);
    for (const model of [linear, logistic]) expect(Math.sign(model.coefficients.spo2!)).toBe(-1); // low SpO2 raises the alert
    const scores = table.alert!.map((_, i) => predict(logistic.coefficients, logistic.intercept, i));
    expect(auc(scores, table.alert!)).toBeCloseTo(logistic.metrics.auc!, 1);
  });

  it('exports a forest whose trees, walked here, predict as well as its reported accuracy', async () => {
    const params = { model: 'forest', target: 'alert', features: FEATURES, trees: 10, maxDepth: 5, minSamplesLeaf: 50 };
    type Tree = { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[][] };
    const forest = (await released('train', params, { minGroupSize: 50 })).value as { classes: string[]; trees: Tree[]; metrics: { accuracy: number; auc: number } };
    expect(forest.classes).toEqual(['0', '1']);
    expect(forest.trees).toHaveLength(10);
    const probability = (i: number) =>
      mean(
        forest.trees.map((tree) => {
          let node = 0;
          while (tree.left[node] !== -1) node = table[FEATURES[tree.feature[node]!]!]![i]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
          return tree.value[node]![1]!;
        }),
      );
    const scores = table.alert!.map((_, i) => probability(i));
    const accuracy = mean(scores.map((score, i) => Number((score > 0.5 ? 1 : 0) === table.alert![i])));
    expect(Math.abs(accuracy - forest.metrics.accuracy)).toBeLessThan(0.03);
    expect(auc(scores, table.alert!)).toBeGreaterThan(0.8);
    // Leaves smaller than the dataset's k are refused before anything is released.
    const raw = (await run('train', params)).raw;
    expect(() => releaseTemplateOutput(templateByName('train')!, parseTemplateParams(templateByName('train')!, params), raw, { minGroupSize: 51 })).toThrow(expect.objectContaining({ name: 'TemplateParamsError' }));
  });

  it('trains a private logistic model: noisy weights in the features’ units that still rank alerts', async () => {
    const train = templateByName('train')!;
    const params = parseTemplateParams(train, { model: 'logistic', target: 'alert', features: FEATURES, noise: 'gaussian', epsilon: 1, delta: 1e-6, l2: 0.01, featureBounds: { heart_rate: [40, 140], spo2: [85, 100], resp_rate: [8, 30] } });
    const ran = await run('train', params);
    expect(JSON.parse(ran.raw)).toMatchObject({ model: 'logistic', n: 12_000, l2: 0.01 });
    const { json, epsilonSpent } = releaseTemplateOutput(train, params, ran.raw);
    const model = JSON.parse(json) as { coefficients: Record<string, number>; intercept: number };
    expect(Object.keys(model).sort()).toEqual(['coefficients', 'intercept', 'model']);
    expect(epsilonSpent).toBe(1);
    expect(auc(table.alert!.map((_, i) => predict(model.coefficients, model.intercept, i)), table.alert!)).toBeGreaterThan(0.8);
  });
});

describe('evaluate', () => {
  it('scores a pickled scikit-learn model on the data: metrics only, to 4 decimals', async () => {
    const model = path.join(scratch, 'model.pkl');
    const fit = `import pandas, pickle, sys; from sklearn.linear_model import LogisticRegression
d = pandas.read_csv(sys.argv[1]); pickle.dump(LogisticRegression(max_iter=1000).fit(d[${JSON.stringify(FEATURES)}], d["alert"]), open(sys.argv[2], "wb"))`;
    execFileSync(PYTHON, ['-c', fit, dataFile, model]);
    const { value, raw } = await released('evaluate', { target: 'alert', features: FEATURES }, { model });
    expect(value).toMatchObject({ task: 'classification', n: 12_000 });
    const metrics = value.metrics as Record<string, number>;
    expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'auc', 'f1', 'precision', 'recall']);
    expect(metrics.accuracy).toBeGreaterThan(0.6);
    expect(metrics.auc).toBeGreaterThan(0.8);
    for (const metric of Object.values(metrics)) expect(Number(metric.toFixed(4))).toBe(metric);
    expect(JSON.parse(raw).metrics.accuracy).not.toBe(metrics.accuracy); // the raw one has every digit
    expect((await released('evaluate', { target: 'alert', features: FEATURES })).value).toEqual({ error: { code: 'model-missing' } });
  });

  it('scores a model given as numbers (what train releases) with its own code: a logistic, a linear and a forest', async () => {
    const scored = async (trained: unknown) => {
      const model = path.join(mkdtempSync(path.join(scratch, 'declared-')), 'model.json');
      writeFileSync(model, JSON.stringify(trained));
      return (await released('evaluate', { target: 'alert', features: FEATURES }, { model })).value;
    };
    const logistic = (await released('train', { model: 'logistic', target: 'alert', features: FEATURES, seed: 3 })).value as { metrics: { accuracy: number } };
    const onLogistic = await scored(logistic);
    expect(onLogistic).toMatchObject({ task: 'classification', n: 12_000 });
    // Scored on every row rather than the held-out quarter: close to train's own figure.
    expect(Math.abs((onLogistic.metrics as { accuracy: number }).accuracy - logistic.metrics.accuracy)).toBeLessThan(0.03);
    expect((onLogistic.metrics as { auc: number }).auc).toBeGreaterThan(0.8);
    const linear = (await released('train', { model: 'linear', target: 'alert', features: FEATURES })).value;
    expect(await scored(linear)).toMatchObject({ task: 'regression', metrics: { r2: expect.any(Number) }, n: 12_000 });
    const forest = (await released('train', { model: 'forest', target: 'alert', features: FEATURES, trees: 5, maxDepth: 4, minSamplesLeaf: 50 })).value as { metrics: { accuracy: number } };
    const onForest = await scored(forest);
    expect(onForest).toMatchObject({ task: 'classification', n: 12_000 });
    expect(Math.abs((onForest.metrics as { accuracy: number }).accuracy - forest.metrics.accuracy)).toBeLessThan(0.03);
    // Numbers for other features, or of no known shape, are no model.
    expect(await scored({ ...(logistic as object), coefficients: { heart_rate: 1 } })).toEqual({ error: { code: 'model-unreadable' } });
    expect(await scored({ model: 'shell', command: 'id' })).toEqual({ error: { code: 'model-unreadable' } });
  });

  it('refuses the result of a model that writes rows into result.json, and narrows one that hides data in a metric', async () => {
    const hostile = (code: string) => {
      const file = path.join(mkdtempSync(path.join(scratch, 'model-')), 'model.pkl');
      execFileSync(PYTHON, ['-c', `import pickle, sys\nclass M:\n  def __reduce__(self): return (exec, (sys.argv[2],))\npickle.dump(M(), open(sys.argv[1], "wb"))`, file, code]);
      return file;
    };
    const steal = `import json, os
rows = open("/data/inputs/" + json.loads(os.environ["DIDS"])[0] + "/0").read().splitlines()[:50]
json.dump({"task": "regression", "metrics": {"r2": 0.5, "rmse": 1, "mae": 1}, "n": 12000, "rows": rows}, open("/data/outputs/result.json", "w"))
os._exit(0)`;
    const stolen = await run('evaluate', { target: 'alert', features: FEATURES }, { model: hostile(steal) });
    expect(stolen.raw).toContain('P0001');
    const evaluate = templateByName('evaluate')!;
    const params = parseTemplateParams(evaluate, { target: 'alert', features: FEATURES });
    let refused: unknown;
    try {
      releaseTemplateOutput(evaluate, params, stolen.raw);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TemplateOutputError);
    expect((refused as Error).message).not.toMatch(/P0001|rows/);
    // A first heart rate smuggled in a metric's digits: 4 of them leave.
    const smuggle = `import json, os
first = open("/data/inputs/" + json.loads(os.environ["DIDS"])[0] + "/0").read().splitlines()[1]
code = float("0." + "".join(str(ord(c)).zfill(3) for c in first)[:15])
json.dump({"task": "classification", "metrics": {"accuracy": code, "precision": code, "recall": code, "f1": code}, "n": 12000}, open("/data/outputs/result.json", "w"))
os._exit(0)`;
    const smuggled = await run('evaluate', { target: 'alert', features: FEATURES }, { model: hostile(smuggle) });
    const { json } = releaseTemplateOutput(evaluate, params, smuggled.raw);
    const accuracy = (JSON.parse(json) as { metrics: { accuracy: number } }).metrics.accuracy;
    expect(String(JSON.parse(smuggled.raw).metrics.accuracy).length).toBeGreaterThan(12);
    expect(String(accuracy).length).toBeLessThanOrEqual(6);
  });
});
