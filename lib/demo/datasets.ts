/**
 * Realistic demo datasets, generated locally and deterministically (a seeded PRNG), so a fresh market shows
 * a living catalogue without downloading anything.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LicencePreset } from '../licence/presets';
import type { ReleaseLimits } from '../compute/policy';
import type { ComputePolicy } from '../metadata';
import { mulberry32 } from './random';

/** A normally distributed sample (Box–Muller). */
export function gaussian(rand: () => number, mean: number, sd: number): number {
  const u = Math.max(rand(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const fixed = (value: number, digits: number) => value.toFixed(digits);

export interface DemoDataset {
  file: string;
  title: string;
  description: string;
  tags: string[];
  licence: LicencePreset;
  /** Share of its derivatives' revenue, in basis points, where not the preset's. */
  revShareBps?: number;
  /** Whole dollars of the stablecoin. */
  price: string;
  computePrice?: string;
  /** Dev account that publishes it. */
  owner: number;
  /** Dev accounts that buy a licence. */
  buyers: number[];
  /** An account the owner funds to buy the dataset: a wash trade, for the analytics to flag. */
  washBuyer?: number;
  /** The one provider node of the stack's two that may run its jobs; every registered provider otherwise. */
  onlyProvider?: 'first' | 'second';
  /** Its compute policy and release limits, where not the defaults for its licence. */
  compute?: ComputePolicy;
  release?: ReleaseLimits;
  rows: (rand: () => number) => Iterable<string>;
}

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

export const DEMO_DATASETS: DemoDataset[] = [
  {
    file: 'weather-stations-2026.csv',
    title: 'Hourly weather readings, 12 European stations (2026 H1)',
    description: 'Temperature, humidity, pressure, wind and precipitation every hour from twelve synthetic stations with realistic diurnal and seasonal cycles.',
    tags: ['weather', 'time-series', 'europe'],
    licence: 'commercial',
    price: '25',
    owner: 1,
    buyers: [2, 4],
    *rows(rand) {
      const stations = ['berlin', 'paris', 'madrid', 'rome', 'vienna', 'warsaw', 'oslo', 'lisbon', 'dublin', 'prague', 'athens', 'helsinki'];
      yield 'timestamp,station,temperature_c,humidity_pct,pressure_hpa,wind_ms,precip_mm';
      for (let h = 0; h < 24 * 30 * 6; h += 3) {
        const time = new Date(START + h * HOUR);
        const season = -Math.cos((2 * Math.PI * h) / (24 * 365));
        const daily = -Math.cos((2 * Math.PI * (h % 24)) / 24);
        for (const [i, station] of stations.entries()) {
          const base = 12 - i * 0.6 + 9 * season;
          const temp = gaussian(rand, base + 4 * daily, 1.5);
          const rain = rand() < 0.15 ? gaussian(rand, 2, 1.5) : 0;
          yield [time.toISOString(), station, fixed(temp, 1), fixed(Math.min(100, gaussian(rand, 70 - 10 * daily, 8)), 0), fixed(gaussian(rand, 1013, 6), 1), fixed(Math.abs(gaussian(rand, 4, 2)), 1), fixed(Math.max(0, rain), 1)].join(',');
        }
      }
    },
  },
  {
    file: 'retail-transactions.csv',
    title: 'Retail point-of-sale transactions, 40 stores',
    description: 'Line items of a synthetic grocery chain: store, basket, category, quantity, unit price and payment method over a quarter.',
    tags: ['retail', 'transactions', 'sales'],
    licence: 'commercial-remix',
    price: '40',
    owner: 1,
    buyers: [2, 3, 5],
    *rows(rand) {
      const categories: [string, number][] = [['produce', 2.5], ['dairy', 3.2], ['bakery', 2.8], ['meat', 9.5], ['beverages', 2.1], ['household', 6.4], ['frozen', 4.7], ['snacks', 2.9]];
      yield 'transaction_id,timestamp,store_id,basket_id,category,quantity,unit_price,payment';
      let id = 1;
      for (let basket = 1; basket <= 9000; basket++) {
        const time = new Date(START + Math.floor(rand() * 90 * 24) * HOUR + Math.floor(rand() * HOUR));
        const store = 1 + Math.floor(rand() * 40);
        const payment = pick(rand, ['card', 'card', 'card', 'cash', 'mobile']);
        const lines = 1 + Math.floor(rand() * 6);
        for (let l = 0; l < lines; l++) {
          const [category, mean] = pick(rand, categories);
          yield [id++, time.toISOString(), `S${String(store).padStart(3, '0')}`, basket, category, 1 + Math.floor(rand() * 4), fixed(Math.max(0.29, gaussian(rand, mean, mean / 4)), 2), payment].join(',');
        }
      }
    },
  },
  {
    file: 'patient-vitals.csv',
    title: 'Synthetic ICU patient vitals (compute-only)',
    description: 'Minute-level heart rate, blood pressure, SpO2 and respiration for 200 synthetic patients, with a nurse-alert label. Sensitive by design: released only as compute-to-data results.',
    tags: ['health', 'vitals', 'icu', 'sensitive'],
    licence: 'compute-only',
    // Models trained on it pay 10 % of their sales back (the demo's model does).
    revShareBps: 1000,
    price: '0',
    computePrice: '15',
    owner: 4,
    buyers: [],
    // Free-form algorithms under the guard and a 16 MiB byte budget, so the demo's compute form (an upload of code)
    // runs on it; a compute-only dataset published with the defaults runs templates only.
    compute: { algorithms: 'any', outputGuard: { maxOutputBytes: 64 * 1024 * 1024, leakDetection: true } },
    release: { bytesPerJob: 16 * 1024 * 1024 },
    *rows(rand) {
      yield 'patient_id,minute,heart_rate,systolic,diastolic,spo2,resp_rate,alert';
      for (let p = 1; p <= 200; p++) {
        const baseHr = gaussian(rand, 80, 10);
        for (let m = 0; m < 120; m += 2) {
          const heartRate = Math.round(gaussian(rand, baseHr, 4));
          const systolic = Math.round(gaussian(rand, 122, 9));
          const diastolic = Math.round(gaussian(rand, 78, 6));
          const spo2 = Math.round(Math.min(100, gaussian(rand, 96.5, 1.5)));
          const respRate = Math.round(gaussian(rand, 16, 2));
          // A learnable label for compute-to-data demos: a nurse's alert, likelier with fast heart, low SpO2, fast breathing.
          const risk = -3 + 0.12 * (heartRate - 80) + 0.9 * (96.5 - spo2) + 0.25 * (respRate - 16);
          const alert = rand() < 1 / (1 + Math.exp(-risk)) ? 1 : 0;
          yield [`P${String(p).padStart(4, '0')}`, m, heartRate, systolic, diastolic, spo2, respRate, alert].join(',');
        }
      }
    },
  },
  {
    file: 'factory-telemetry.jsonl',
    title: 'Factory sensor telemetry with fault labels',
    description: 'Vibration, temperature and current readings from 30 machines with labelled fault episodes, as JSON lines.',
    tags: ['iot', 'telemetry', 'predictive-maintenance'],
    licence: 'non-commercial',
    price: '5',
    owner: 5,
    buyers: [3],
    *rows(rand) {
      for (let t = 0; t < 24 * 60 * 4; t += 5) {
        for (let machine = 1; machine <= 30; machine++) {
          const fault = rand() < 0.01;
          yield JSON.stringify({
            ts: new Date(START + t * 60_000).toISOString(),
            machine: `M${machine}`,
            vibration_mm_s: Number(fixed(gaussian(rand, fault ? 9 : 3, 1), 2)),
            temperature_c: Number(fixed(gaussian(rand, fault ? 78 : 61, 3), 1)),
            current_a: Number(fixed(gaussian(rand, 12, 1.2), 2)),
            fault,
          });
        }
      }
    },
  },
  {
    file: 'support-tickets-labelled.jsonl',
    title: 'Labelled customer-support messages for intent classification',
    description: 'Short customer messages with intent and sentiment labels, licensed for training machine-learning models.',
    tags: ['nlp', 'text', 'classification', 'ai-training'],
    licence: 'ai-training',
    price: '60',
    owner: 6,
    buyers: [2, 7],
    washBuyer: 8,
    *rows(rand) {
      const intents: [string, string[]][] = [
        ['refund', ['I want my money back for order', 'Please refund the charge on order', 'Can I get a refund for']],
        ['delivery', ['Where is my parcel for order', 'My delivery is late for order', 'Tracking has not moved for order']],
        ['account', ['I cannot log in to my account after', 'Please reset my password, I tried', 'My account was locked after']],
        ['product', ['Does this model come in blue, asking about order', 'Is the charger included with order', 'What is the warranty on order']],
      ];
      const tails = ['thanks', 'please help', 'this is frustrating', 'any update?', 'appreciate it'];
      for (let i = 1; i <= 8000; i++) {
        const [intent, openers] = pick(rand, intents);
        const tail = pick(rand, tails);
        const sentiment = tail === 'this is frustrating' ? 'negative' : tail === 'thanks' || tail === 'appreciate it' ? 'positive' : 'neutral';
        yield JSON.stringify({ id: i, text: `${pick(rand, openers)} #${100000 + Math.floor(rand() * 900000)}, ${tail}`, intent, sentiment });
      }
    },
  },
  {
    file: 'credit-default-benchmark.csv',
    title: 'Tabular ML benchmark: credit default prediction',
    description: 'A synthetic, image-free tabular benchmark: 20,000 applicants, 12 features and a default label with a known generating model.',
    tags: ['benchmark', 'tabular', 'credit', 'ml'],
    licence: 'ai-training',
    price: '15',
    computePrice: '3',
    owner: 1,
    buyers: [3, 8],
    *rows(rand) {
      yield 'applicant_id,age,income_k,debt_ratio,credit_lines,late_payments,utilisation,years_employed,home_owner,loan_k,term_months,region,defaulted';
      for (let i = 1; i <= 20000; i++) {
        const age = Math.round(Math.min(80, Math.max(19, gaussian(rand, 42, 12))));
        const income = Math.max(8, gaussian(rand, 55, 20));
        const debt = Math.min(1.5, Math.max(0, gaussian(rand, 0.35, 0.15)));
        const late = Math.floor(Math.max(0, gaussian(rand, 0.6, 1.2)));
        const util = Math.min(1, Math.max(0, gaussian(rand, 0.4, 0.2)));
        const score = -3 + 2.2 * debt + 0.55 * late + 1.4 * util - 0.015 * income + (age < 25 ? 0.4 : 0);
        const defaulted = rand() < 1 / (1 + Math.exp(-score));
        yield [i, age, fixed(income, 1), fixed(debt, 3), Math.floor(rand() * 12), late, fixed(util, 3), Math.floor(rand() * 25), rand() < 0.55 ? 1 : 0, fixed(Math.max(1, gaussian(rand, 18, 9)), 1), pick(rand, [12, 24, 36, 60]), pick(rand, ['north', 'south', 'east', 'west']), defaulted ? 1 : 0].join(',');
      }
    },
  },
];

/** Writes a demo dataset's file under `dir` (streamed) and returns its path. */
export async function writeDemoFile(dir: string, dataset: DemoDataset, seed: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, dataset.file);
  const out = createWriteStream(file);
  const rand = mulberry32(seed);
  let buffer = '';
  for (const row of dataset.rows(rand)) {
    buffer += `${row}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(buffer, resolve);
  });
  return file;
}
