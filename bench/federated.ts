/**
 * Federated training against central training, in one run: the market's services with two provider nodes, the
 * demo's two hospitals published compute-only (each allowing only its own node, no ε budget) with a fifth of each
 * hospital's patients held out, then federated logistic regression over both through the SDK (the example local
 * step, the README's parameters, clip C, 10 rounds) at each noise multiplier z, and the same model trained
 * centrally on the pooled training rows for the same number of gradient steps. Every model is scored on the
 * held-out patients of both hospitals by central_logreg.py, so federated and central differ only in where they
 * trained.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planEpsilon, type FederatedJob, type RoundOutcome } from '../lib/compute/actions/federated';
import { ComputeClient } from '../lib/compute/buyer/client';
import { contractsOf } from '../lib/contracts';
import { DEMO_HOSPITALS } from '../lib/demo/hospitals';
import { mulberry32 } from '../lib/demo/random';
import { parsePrice } from '../lib/licence/presets';
import type { Market } from '../lib/market';
import { startFederatedBed, type FederatedBed } from '../test/helpers/federated';
import { percentile } from './stats';

const PYTHON = '/usr/bin/python3';
const EXAMPLES = path.join(__dirname, '..', 'examples', 'federated');
const LOCAL_STEP = path.join(EXAMPLES, 'local_logreg.py');
/** The README's parameters for the demo's hospitals: fixed standardisation constants shared by both. */
const PARAMS = { label: 'alert', features: ['age', 'heart_rate', 'spo2', 'resp_rate'], mean: [60, 85, 96, 16.5], scale: [15, 10, 2, 3.5], lr: 1, epochs: 10 };
const DIMENSION = PARAMS.features.length + 1;
const ROUNDS = 10;
/**
 * The clip norm: the hospitals' unclipped deltas measure about 1.3 and 1.7 in the first two rounds and under 1
 * after, so C = 1 clips only the start (no accuracy lost without noise) and keeps the noise, z·C, small.
 */
const CLIP = 1;
const BUYER = 2;
const SEED = 2_000;
/** Points of accuracy federated training may lose against central training without noise (the target). */
const TARGET_POINTS = 2;

/** Federated training at one noise multiplier, over `runs` runs (each run its own paid jobs and fresh noise). */
export interface FederatedNoiseFigure {
  noiseMultiplier: number;
  runs: number;
  /** Accuracy on the held-out patients of both hospitals, run by run. */
  accuracy: { mean: number; min: number; max: number; each: number[] };
  /** (mean federated − central) × 100. */
  differencePoints: number;
  /** ε each dataset spends over the plan at the plan's δ; null without noise (unbounded). */
  epsilon: Record<string, number | null>;
  delta: number;
  /**
   * Per provider, every value seen: the bytes it released in a round (its masked update), over a run's rounds, and
   * what its job settled as released (those and the final model and round receipts it put among its outputs).
   */
  bytesPerRound: Record<string, number[]>;
  bytesPerRun: Record<string, number[]>;
  settledBytes: Record<string, number[]>;
  /** Every round of every run, as the aggregator timed it (the request out to the last masked answer in). */
  roundMs: { median: number; max: number };
  /** From the quote to every node finished: payment, joins, rounds and settlement. */
  runMs: { median: number; max: number; each: number[] };
}

export interface FederatedBench {
  rounds: number;
  clip: number;
  params: typeof PARAMS;
  hospitals: { title: string; datasetId: string; providerId: string; patients: number; trainRows: number; heldOutPatients: number; heldOutRows: number }[];
  /** Accuracy of always answering "no alert" on the held-out rows: what a model must beat to have learned anything. */
  majority: number;
  central: { accuracy: number; gradientSteps: number; trainMs: number };
  targetPoints: number;
  noise: FederatedNoiseFigure[];
}

interface Split {
  train: string;
  heldOut: string;
  patients: number;
  trainRows: number;
  heldOutPatients: number;
  heldOutRows: number;
  heldOutNoAlert: number;
}

/** Writes hospital `index`'s rows under `dir`, its last fifth of patients (every reading of each) held out. */
function splitHospital(index: number, dir: string): Split {
  const [header, ...rows] = [...DEMO_HOSPITALS[index]!.rows(mulberry32(SEED + index))];
  const patientOf = (row: string) => row.slice(0, row.indexOf(','));
  const patients = [...new Set(rows.map(patientOf))];
  const heldOut = new Set(patients.slice(Math.floor(patients.length * 0.8)));
  const write = (name: string, kept: string[]) => {
    const file = path.join(dir, `hospital-${index}-${name}.csv`);
    writeFileSync(file, [header, ...kept].join('\n') + '\n');
    return kept.length;
  };
  const trainRows = write('train', rows.filter((row) => !heldOut.has(patientOf(row))));
  const heldOutRows = rows.filter((row) => heldOut.has(patientOf(row)));
  write('held-out', heldOutRows);
  return {
    train: path.join(dir, `hospital-${index}-train.csv`),
    heldOut: path.join(dir, `hospital-${index}-held-out.csv`),
    patients: patients.length,
    trainRows,
    heldOutPatients: heldOut.size,
    heldOutRows: heldOutRows.length,
    heldOutNoAlert: heldOutRows.filter((row) => row.endsWith(',0')).length,
  };
}

/** central_logreg.py `command` with `params`, the model file and the CSVs; its stdout. */
function central(command: 'train' | 'accuracy', params: object, model: string, csvs: string[]): string {
  const file = `${model}.params.json`;
  writeFileSync(file, JSON.stringify(params));
  return execFileSync(PYTHON, [path.join(EXAMPLES, 'central_logreg.py'), command, file, model, ...csvs], { encoding: 'utf8' });
}

/** A model's accuracy on the held-out patients of both hospitals. */
function accuracy(model: ArrayLike<number>, file: string, splits: Split[]): number {
  writeFileSync(file, JSON.stringify(Array.from(model)));
  return (JSON.parse(central('accuracy', PARAMS, file, splits.map((s) => s.heldOut))) as { accuracy: number }).accuracy;
}

/** Publishes each hospital's training rows as the demo does, each allowing only its own node of the bed. */
async function publishHospitals(bed: FederatedBed, splits: Split[]): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (const [i, hospital] of DEMO_HOSPITALS.entries()) {
    const owner = await bed.services.market(hospital.owner);
    const decimals = owner.deployments.stablecoin.decimals;
    const provider = bed.providers[hospital.onlyProvider === 'second' ? 1 : 0].providerId;
    const { datasetId } = await owner.publish(
      splits[i]!.train,
      { title: hospital.title, description: hospital.description, tags: hospital.tags, providers: [provider], ...(hospital.compute ? { compute: hospital.compute } : {}), ...(hospital.release ? { release: hospital.release } : {}) },
      { preset: hospital.licence },
      { download: parsePrice(hospital.price, decimals), compute: parsePrice(hospital.computePrice ?? '0', decimals) },
    );
    ids.push(datasetId);
  }
  return ids;
}

const mapValues = <T, U>(values: Record<string, T>, format: (value: T) => U): Record<string, U> => Object.fromEntries(Object.entries(values).map(([id, v]) => [id, format(v)]));

/** Bytes each provider released in each round it took part in. */
function bytesByProvider(rounds: RoundOutcome[]): Record<string, number[]> {
  const bytes: Record<string, number[]> = {};
  for (const outcome of rounds) for (const id of outcome.participants) (bytes[id.toString()] ??= []).push(outcome.bytesPerProvider);
  return bytes;
}

/** What each provider's job of a run settled as released, by provider. */
async function settledBytes(market: Market, jobs: FederatedJob[]): Promise<Record<string, number>> {
  const { computeMarket } = contractsOf(market.deployments);
  const entries = await Promise.all(
    jobs.map(async ({ jobId, providerId }) => {
      const [settled] = await market.publicClient.getContractEvents({ ...computeMarket, eventName: 'JobSettled', args: { jobId }, fromBlock: BigInt(market.deployments.startBlock) });
      if (!settled?.args.delivered) throw new Error(`bench federated job ${jobId} was not settled delivered`);
      return [providerId.toString(), Number(settled.args.releasedBytes)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** One run's figures. */
interface Sample {
  accuracy: number;
  epsilon: number;
  delta: number;
  datasetIds: string[];
  bytes: Record<string, number[]>;
  settled: Record<string, number>;
  roundMs: number[];
  runMs: number;
}

/** Every distinct value per provider over `samples`, ascending. */
function distinct(samples: Sample[], of: (sample: Sample) => Record<string, number[]>): Record<string, number[]> {
  const seen: Record<string, Set<number>> = {};
  for (const sample of samples) for (const [id, values] of Object.entries(of(sample))) for (const value of values) (seen[id] ??= new Set()).add(value);
  return Object.fromEntries(Object.entries(seen).map(([id, values]) => [id, [...values].sort((a, b) => a - b)]));
}

function summarise(noiseMultiplier: number, samples: Sample[], centralAccuracy: number): FederatedNoiseFigure {
  const accuracies = samples.map((s) => s.accuracy);
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const rounds = samples.flatMap((s) => s.roundMs);
  const runs = samples.map((s) => s.runMs);
  const { epsilon, delta, datasetIds } = samples[0]!;
  return {
    noiseMultiplier,
    runs: samples.length,
    accuracy: { mean, min: Math.min(...accuracies), max: Math.max(...accuracies), each: accuracies },
    differencePoints: Math.round((mean - centralAccuracy) * 10_000) / 100,
    epsilon: Object.fromEntries(datasetIds.map((id) => [id, Number.isFinite(epsilon) ? Math.round(epsilon * 100) / 100 : null])),
    delta,
    bytesPerRound: distinct(samples, (s) => s.bytes),
    bytesPerRun: distinct(samples, (s) => mapValues(s.bytes, (bytes) => [bytes.reduce((a, b) => a + b, 0)])),
    settledBytes: distinct(samples, (s) => mapValues(s.settled, (bytes) => [bytes])),
    roundMs: { median: percentile(rounds, 0.5), max: Math.max(...rounds) },
    runMs: { median: percentile(runs, 0.5), max: Math.max(...runs), each: runs },
  };
}

/**
 * The noise multipliers: none, then the smallest round z whose ε over 10 rounds (84 at δ = 10⁻⁵) fits the most
 * a job may reserve (ε 100, ReleaseBudgets.MAX_JOB_EPSILON: z = 0.5 would need 141), then 1 and 2.
 */
const NOISE = [0, 0.7, 1, 2];

/**
 * `runs` federated trainings per noise multiplier, interleaved (z after z, then again) so that the machine's load
 * falls alike on each, beside one central training.
 */
export async function measureFederated(options: { noise?: readonly number[]; runs?: number } = {}): Promise<FederatedBench> {
  const { noise = NOISE, runs = 5 } = options;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-federated-'));
  const bed = await startFederatedBed();
  try {
    const splits = DEMO_HOSPITALS.map((_, i) => splitHospital(i, scratch));
    const datasetIds = await publishHospitals(bed, splits);

    const centralModel = path.join(scratch, 'central.json');
    const trainStarted = performance.now();
    central('train', { ...PARAMS, epochs: ROUNDS * PARAMS.epochs }, centralModel, splits.map((s) => s.train));
    const trainMs = Math.round(performance.now() - trainStarted);
    const centralAccuracy = accuracy(JSON.parse(readFileSync(centralModel, 'utf8')) as number[], centralModel, splits);

    const buyer = await bed.services.market(BUYER);
    const client = new ComputeClient(buyer);
    const samples = new Map<number, Sample[]>(noise.map((z) => [z, []]));
    for (let run = 0; run < runs; run++) {
      for (const z of noise) {
        const started = performance.now();
        const trained = await client.federate({ datasetIds, algorithm: LOCAL_STEP, params: PARAMS, dimension: DIMENSION, rounds: ROUNDS, clip: CLIP, noiseMultiplier: z, maxMinutes: 10 });
        const runMs = Math.round(performance.now() - started);
        if (trained.dropped.length > 0) throw new Error(`bench federated run at z = ${z}: providers ${trained.dropped.map((j) => j.providerId).join(', ')} dropped out`);
        samples.get(z)!.push({
          accuracy: accuracy(trained.model, path.join(scratch, `federated-z${z}-${run}.json`), splits),
          epsilon: planEpsilon(trained.run.plan),
          delta: trained.run.plan.delta,
          datasetIds: trained.run.jobs.map((job) => job.datasetId.toString()),
          bytes: bytesByProvider(trained.rounds),
          settled: await settledBytes(buyer, trained.run.jobs),
          roundMs: trained.rounds.map((r) => r.wallMs),
          runMs,
        });
      }
    }
    const heldOut = splits.reduce((sum, s) => sum + s.heldOutRows, 0);
    return {
      rounds: ROUNDS,
      clip: CLIP,
      params: PARAMS,
      hospitals: DEMO_HOSPITALS.map((hospital, i) => {
        const { patients, trainRows, heldOutPatients, heldOutRows } = splits[i]!;
        return { title: hospital.title, datasetId: datasetIds[i]!.toString(), providerId: bed.providers[hospital.onlyProvider === 'second' ? 1 : 0].providerId.toString(), patients, trainRows, heldOutPatients, heldOutRows };
      }),
      majority: splits.reduce((sum, s) => sum + s.heldOutNoAlert, 0) / heldOut,
      central: { accuracy: centralAccuracy, gradientSteps: ROUNDS * PARAMS.epochs, trainMs },
      targetPoints: TARGET_POINTS,
      noise: noise.map((z) => summarise(z, samples.get(z)!, centralAccuracy)),
    };
  } finally {
    await bed.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const percent = (value: number) => `${(value * 100).toFixed(2)} %`;
/** Byte counts seen (ascending) as one value or their range. */
const span = (bytes: number[]) => `${[...new Set([bytes[0]!, bytes.at(-1)!])].map((b) => b.toLocaleString('en-US')).join('–')} B`;
/** One cell for a figure per dataset or provider: the value once when all are equal. */
const each = (values: Record<string, string>, who: string) =>
  new Set(Object.values(values)).size === 1 ? `${Object.values(values)[0]} each` : Object.entries(values).map(([id, v]) => `${who} ${id}: ${v}`).join(', ');

/** The table run.ts prints: one row per noise multiplier, with the verdict against the target at z = 0. */
export function federatedTable(bench: FederatedBench): Record<string, string>[] {
  return bench.noise.map((figure) => ({
    z: String(figure.noiseMultiplier),
    'ε per dataset': each(mapValues(figure.epsilon, (e) => (e === null ? '∞' : e.toFixed(2))), 'dataset'),
    [`federated (${figure.runs} run${figure.runs === 1 ? '' : 's'}: mean, min–max)`]: `${percent(figure.accuracy.mean)} (${percent(figure.accuracy.min)}–${percent(figure.accuracy.max)})`,
    central: percent(bench.central.accuracy),
    'difference (points)': figure.differencePoints.toFixed(2),
    verdict: figure.noiseMultiplier === 0 ? (Math.abs(figure.differencePoints) <= bench.targetPoints ? `within ${bench.targetPoints} points` : 'OVER') : '',
    'bytes per round': each(mapValues(figure.bytesPerRound, span), 'provider'),
    'bytes per run': each(mapValues(figure.bytesPerRun, span), 'provider'),
    'settled as released': each(mapValues(figure.settledBytes, span), 'provider'),
    'round p50 / max': `${figure.roundMs.median.toLocaleString('en-US')} / ${figure.roundMs.max.toLocaleString('en-US')} ms`,
    'run p50 / max': `${(figure.runMs.median / 1000).toFixed(1)} / ${(figure.runMs.max / 1000).toFixed(1)} s`,
  }));
}
