/**
 * Two hospitals' ICU vitals for federated training: the same columns and the same link from vitals to a nurse's
 * alert, but different patients (hospital A an older cardiac unit, hospital B a younger surgical one), so each
 * hospital alone sees a shifted slice and a model trained across both fits either. Each owner lets only its
 * own provider node see the data: a model over both is trained where each dataset lies, never pooled.
 */
import { gaussian, type DemoDataset } from './datasets';

/** Who a hospital's patients are: age and each vital's per-patient baseline, as [mean, sd]. */
interface Cohort {
  prefix: string;
  patients: number;
  age: [number, number];
  heartRate: [number, number];
  spo2: [number, number];
  respRate: [number, number];
}

export const ICU_COLUMNS = ['patient_id', 'minute', 'age', 'heart_rate', 'systolic', 'spo2', 'resp_rate', 'alert'] as const;
const READINGS_PER_PATIENT = 30;
const MINUTES_APART = 4;

/** log-odds of an alert: the same in every hospital, so one logistic regression fits both. */
export function alertLogit(age: number, heartRate: number, spo2: number, respRate: number): number {
  return -2.5 + 0.03 * (age - 60) + 0.1 * (heartRate - 85) + 0.8 * (96 - spo2) + 0.25 * (respRate - 16);
}

function* icuRows(rand: () => number, cohort: Cohort): Iterable<string> {
  yield ICU_COLUMNS.join(',');
  for (let p = 1; p <= cohort.patients; p++) {
    const age = Math.round(Math.min(99, Math.max(18, gaussian(rand, ...cohort.age))));
    const baseHr = gaussian(rand, ...cohort.heartRate);
    const baseSpo2 = gaussian(rand, ...cohort.spo2);
    const baseRr = gaussian(rand, ...cohort.respRate);
    for (let r = 0; r < READINGS_PER_PATIENT; r++) {
      const heartRate = Math.round(gaussian(rand, baseHr, 4));
      const systolic = Math.round(gaussian(rand, 112 + 0.3 * age, 10));
      const spo2 = Math.round(Math.min(100, gaussian(rand, baseSpo2, 1.2)));
      const respRate = Math.round(gaussian(rand, baseRr, 2));
      const alert = rand() < 1 / (1 + Math.exp(-alertLogit(age, heartRate, spo2, respRate))) ? 1 : 0;
      yield [`${cohort.prefix}${String(p).padStart(4, '0')}`, r * MINUTES_APART, age, heartRate, systolic, spo2, respRate, alert].join(',');
    }
  }
}

/** Free-form code under the guard (the federated local step is a buyer's script), a small byte budget, no ε budget. */
const COMPUTE = { algorithms: 'any', outputGuard: { maxOutputBytes: 1024 * 1024, leakDetection: true } } as const;
const RELEASE = { bytesPerJob: 1024 * 1024 };

/** Published after the demo's model, so the ids of the assets before them never move. */
export const DEMO_HOSPITALS: DemoDataset[] = [
  {
    file: 'icu-vitals-hospital-a.csv',
    title: 'ICU vitals, hospital A',
    description:
      'Vitals and nurse alerts of 150 synthetic patients of an older cardiac ICU (age, heart rate, blood pressure, SpO2, respiration). Compute-only: only its own provider node runs jobs on it, so a model over several hospitals is trained there (federated), never pooled.',
    tags: ['health', 'vitals', 'icu', 'federated'],
    licence: 'compute-only',
    price: '0',
    computePrice: '4',
    owner: 4,
    buyers: [],
    onlyProvider: 'first',
    compute: COMPUTE,
    release: RELEASE,
    rows: (rand) => icuRows(rand, { prefix: 'A', patients: 150, age: [72, 8], heartRate: [90, 9], spo2: [95.3, 1.4], respRate: [18, 2.5] }),
  },
  {
    file: 'icu-vitals-hospital-b.csv',
    title: 'ICU vitals, hospital B',
    description:
      'Vitals and nurse alerts of 200 synthetic patients of a younger surgical ICU, in the same columns as hospital A. Compute-only: only its own provider node runs jobs on it, so a model over several hospitals is trained there (federated), never pooled.',
    tags: ['health', 'vitals', 'icu', 'federated'],
    licence: 'compute-only',
    price: '0',
    computePrice: '6',
    owner: 5,
    buyers: [],
    onlyProvider: 'second',
    compute: COMPUTE,
    release: RELEASE,
    rows: (rand) => icuRows(rand, { prefix: 'B', patients: 200, age: [48, 13], heartRate: [84, 10], spo2: [96.2, 1.3], respRate: [16, 2.5] }),
  },
];
