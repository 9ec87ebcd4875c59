/**
 * The federated logistic regression example (examples/federated) on the demo's two hospitals, run for real
 * (/usr/bin/python3 with Debian's numpy) outside any sandbox: each round every hospital's local step runs in a
 * folder laid out like its job's /data, this test averages the updates as the aggregator does (FedAvg, no
 * noise), and the federated model's accuracy on held-out patients of both hospitals matches the same model
 * trained centrally on the pooled rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDemoFile } from '@/lib/demo/datasets';
import { DEMO_HOSPITALS } from '@/lib/demo/hospitals';

const PYTHON = '/usr/bin/python3';
const EXAMPLES = path.join(__dirname, '../../examples/federated');
const SEED = 7;
const ROUNDS = 10;
/** The README's parameters: fixed standardisation constants shared by every hospital. */
const PARAMS = { label: 'alert', features: ['age', 'heart_rate', 'spo2', 'resp_rate'], mean: [60, 85, 96, 16.5], scale: [15, 10, 2, 3.5], lr: 1, epochs: 10 };
const DIMENSION = PARAMS.features.length + 1;
/** Only what a job gets, plus NODE_ENV, which Next's typing of process.env insists on. */
const CLEAN_ENV = { NODE_ENV: process.env.NODE_ENV, PATH: '/usr/bin:/bin' };

let work: string;
/** Per hospital: the rows its node holds (the job's dataset file) and its held-out patients. */
const hospitals: { train: string; test: string; rows: number }[] = [];

/** Splits a hospital's CSV by patient: the last fifth of its patients are held out. */
function splitByPatient(file: string, dir: string): { train: string; test: string; rows: number } {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const patients = [...new Set(rows.map((row) => row.split(',')[0]))];
  const heldOut = new Set(patients.slice(Math.floor(patients.length * 0.8)));
  const write = (name: string, kept: string[]) => {
    const out = path.join(dir, name);
    writeFileSync(out, [header, ...kept].join('\n') + '\n');
    return out;
  };
  const train = rows.filter((row) => !heldOut.has(row.split(',')[0]!));
  return { train: write('train.csv', train), test: write('test.csv', rows.filter((row) => heldOut.has(row.split(',')[0]!))), rows: train.length };
}

/** Runs a script with `args` and a clean environment; fails the test unless it exits 0. */
function python(script: string, args: string[], env: Record<string, string> = {}): string {
  const run = spawnSync(PYTHON, [path.join(EXAMPLES, script), ...args], { env: { ...CLEAN_ENV, ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/**
 * One hospital's local step as its node runs it: its dataset at <root>/inputs/<id>/0, the global model and the
 * parameters beside it, DIDS naming the dataset. Returns the whole process outcome and the job's folder.
 */
function localStep(dataset: string, model: unknown, params: unknown = PARAMS) {
  const root = mkdtempSync(path.join(work, 'job-'));
  // A dataset id, as the node names the folder.
  const did = '8';
  mkdirSync(path.join(root, 'inputs', did), { recursive: true });
  mkdirSync(path.join(root, 'outputs'));
  writeFileSync(path.join(root, 'inputs', did, '0'), readFileSync(dataset));
  writeFileSync(path.join(root, 'inputs', 'model.json'), JSON.stringify(model));
  writeFileSync(path.join(root, 'inputs', 'algoCustomData.json'), JSON.stringify(params));
  const run = spawnSync(PYTHON, [path.join(EXAMPLES, 'local_logreg.py')], { env: { ...CLEAN_ENV, HOME: root, DATA_ROOT: root, DIDS: JSON.stringify([did]) }, encoding: 'utf8' });
  return { ...run, outputs: path.join(root, 'outputs') };
}

/** A model's accuracy on the held-out patients of both hospitals. */
function accuracy(name: string, model: number[]): number {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(model));
  const params = path.join(work, 'params.json');
  writeFileSync(params, JSON.stringify(PARAMS));
  return (JSON.parse(python('central_logreg.py', ['accuracy', params, file, ...hospitals.map((h) => h.test)])) as { accuracy: number }).accuracy;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'datagora-federated-'));
  for (const hospital of DEMO_HOSPITALS) {
    const dir = path.join(work, hospital.file);
    mkdirSync(dir);
    hospitals.push(splitByPatient(await writeDemoFile(dir, hospital, SEED), dir));
  }
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('federated logistic regression on the two hospitals', () => {
  it('writes only the update: d deltas from the global model and the rows it used, logging no data', () => {
    const [a] = hospitals;
    const global = [0.1, -0.2, 0.3, 0, -1];
    const run = localStep(a!.train, global);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(run.outputs)).toEqual(['update.json']);
    const update = JSON.parse(readFileSync(path.join(run.outputs, 'update.json'), 'utf8')) as { delta: number[]; samples: number };
    expect(Object.keys(update).sort()).toEqual(['delta', 'samples']);
    expect(update.samples).toBe(a!.rows);
    expect(update.delta).toHaveLength(DIMENSION);
    expect(update.delta.every(Number.isFinite)).toBe(true);
    expect(update.delta.some((d) => d !== 0)).toBe(true);
    expect(run.stdout).toBe(`local_logreg: 10 local epoch(s) on ${a!.rows} rows; wrote update.json\n`);
    // Asked for it, the loss too: the incoming model's, before any local step — log 2 for the all-zeros model.
    const reported = localStep(a!.train, [0, 0, 0, 0, 0], { ...PARAMS, reportLoss: true });
    expect(reported.status).toBe(0);
    const withLoss = JSON.parse(readFileSync(path.join(reported.outputs, 'update.json'), 'utf8')) as { loss: number };
    expect(Object.keys(withLoss).sort()).toEqual(['delta', 'loss', 'samples']);
    expect(withLoss.loss).toBeCloseTo(Math.LN2, 12);
  });

  it('refuses parameters or a model of the wrong shape with exit 2, naming what to fix, and writes nothing', () => {
    const [a] = hospitals;
    const cases: [unknown, unknown, RegExp][] = [
      [[0, 0, 0, 0], PARAMS, /model\.json must be a list of 5 numbers/],
      [[0, 0, 0, 0, 'x'], PARAMS, /model\.json\[4\] must be a finite number/],
      [[0, 0, 0, 0, 0], { ...PARAMS, mean: [60, 85] }, /mean must be a list of 4 numbers/],
      [[0, 0, 0, 0, 0], { ...PARAMS, scale: [15, 10, 0, 3.5] }, /scale\[2\] must be a positive finite number/],
      [[0, 0, 0, 0, 0], { ...PARAMS, features: ['age', 'heart_rate', 'spo2', 'pulse'] }, /column\(s\) pulse not in the dataset/],
      [[0, 0, 0, 0, 0], { ...PARAMS, epochs: 0 }, /epochs must be an integer/],
      [[0, 0, 0, 0, 0], { ...PARAMS, reportLoss: 'yes' }, /reportLoss must be true or false/],
    ];
    for (const [model, params, message] of cases) {
      const run = localStep(a!.train, model, params);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(message) });
      expect(readdirSync(run.outputs)).toEqual([]);
    }
  });

  it('reaches the accuracy of the same model trained on the pooled rows, within 2 points, without noise, its loss falling every round', () => {
    let global = new Array<number>(DIMENSION).fill(0);
    const losses: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const updates = hospitals.map((h) => {
        const run = localStep(h.train, global, { ...PARAMS, reportLoss: true });
        expect(run.status).toBe(0);
        return JSON.parse(readFileSync(path.join(run.outputs, 'update.json'), 'utf8')) as { delta: number[]; samples: number; loss: number };
      });
      // FedAvg: the global model moves by the row-weighted mean of the hospitals' deltas; its loss is their row-weighted mean.
      const total = updates.reduce((sum, u) => sum + u.samples, 0);
      global = global.map((w, i) => w + updates.reduce((sum, u) => sum + u.samples * u.delta[i]!, 0) / total);
      losses.push(updates.reduce((sum, u) => sum + u.samples * u.loss, 0) / total);
    }
    expect(losses[0]).toBeCloseTo(Math.LN2, 12);
    losses.slice(1).forEach((loss, i) => expect(loss).toBeLessThan(losses[i]!));
    // Central: the same number of full-batch steps on the union of the same rows.
    const params = path.join(work, 'central-params.json');
    writeFileSync(params, JSON.stringify({ ...PARAMS, epochs: ROUNDS * PARAMS.epochs }));
    const trained = path.join(work, 'central-trained.json');
    python('central_logreg.py', ['train', params, trained, ...hospitals.map((h) => h.train)]);
    const central = accuracy('central', JSON.parse(readFileSync(trained, 'utf8')) as number[]);
    const federated = accuracy('federated', global);
    // Well above always answering "no alert" (77 % of the held-out rows), and the two within 2 points.
    expect(central).toBeGreaterThan(0.82);
    expect(Math.abs(federated - central)).toBeLessThanOrEqual(0.02);
  });
});
