/**
 * releaseTemplateOutput on results written here: every result that is not the template's exact shape for its
 * parameters is refused with TemplateOutputError (and the error quotes none of it), and the noise it adds has the
 * spread its mechanism and ε split promise, replayed with a seeded RandomSource. The templates themselves run in
 * templates.test.ts.
 */
import { parseTemplateParams, releaseTemplateOutput, templateByName, TemplateOutputError, type TemplateName } from '@/lib/compute/templates';
import { KEYS_DELTA } from '@/lib/compute/templates/release';
import { mulberry32 } from '@/lib/demo/random';
import { gaussianSigma, laplaceSnapping, uniformFromWords, type RandomSource } from '@/lib/privacy';

const seeded = (seed: number): RandomSource => {
  const next = mulberry32(seed);
  return uniformFromWords(() => next() * 2 ** 32);
};

/** Releases `raw` (an object, or text as written) for `name` with `params`. */
function release(name: TemplateName, params: unknown, raw: unknown, options: { minGroupSize?: number; random?: RandomSource } = {}) {
  const template = templateByName(name)!;
  const released = releaseTemplateOutput(template, parseTemplateParams(template, params), typeof raw === 'string' ? raw : JSON.stringify(raw), options);
  return { ...released, value: JSON.parse(released.json) as Record<string, unknown> };
}

const AGGREGATE = { groupBy: ['ward'], metrics: [{ column: 'x', stats: ['count', 'sum', 'mean'] }], bounds: { x: [0, 100] } };
const metric = (count: number, mean: number) => ({ count, sum: count * mean, mean });
const AGGREGATE_RAW = { groups: [{ key: ['a'], count: 5000, metrics: { x: metric(5000, 50) } }, { key: ['b'], count: 12, metrics: { x: metric(12, 40) } }], suppressed: 3 };
const HISTOGRAM = { column: 'x', bins: 4, range: [0, 8] };
const HISTOGRAM_RAW = { edges: [0, 2, 4, 6, 8], counts: [1000, 2000, 3000, 4000], below: 0, above: 5 };
const CORRELATION = { columns: ['x', 'y'] };
const CORRELATION_RAW = { columns: ['x', 'y'], matrix: [[1, 0.5], [0.5, 1]], rows: 100 };
const LINEAR = { model: 'linear', target: 'y', features: ['a', 'b'] };
const LINEAR_RAW = { model: 'linear', coefficients: { a: 1.5, b: -2 }, intercept: 3, metrics: { r2: 0.5, rmse: 1, mae: 0.8 }, n: 75, nTest: 25 };
const FOREST = { model: 'forest', target: 'y', features: ['a', 'b'], trees: 1, minSamplesLeaf: 10 };
const TREE = { feature: [1, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [[], [0.9, 0.1], [0.2, 0.8]] };
const FOREST_RAW = { model: 'forest', task: 'classification', features: ['a', 'b'], classes: ['0', '1'], trees: [TREE], metrics: { accuracy: 0.8, auc: 0.85, logLoss: 0.4 }, n: 75, nTest: 25 };
const PRIVATE = { model: 'logistic', target: 'y', features: ['a', 'b'], noise: 'gaussian', epsilon: 1, delta: 1e-6, l2: 0.1, featureBounds: { a: [0, 10], b: [-1, 1] } };
const PRIVATE_RAW = { model: 'logistic', coefficients: { a: 0.5, b: -0.3 }, intercept: 0.1, n: 1000, l2: 0.1 };
const EVALUATE = { target: 'y', features: ['a'] };
const EVALUATE_RAW = { task: 'classification', metrics: { accuracy: 0.9, precision: 0.8, recall: 0.7, f1: 0.75, auc: 0.95 }, n: 500 };

describe('results in their fixed shape', () => {
  it('are released rounded, as canonical JSON, for ε 0 without noise', () => {
    const aggregate = release('aggregate', AGGREGATE, AGGREGATE_RAW);
    expect(aggregate.json.startsWith('{"groups":[{"count":5000,"key":["a"],"metrics":{"x":{"count":5000,"mean":50,"sum":250000}}}')).toBe(true);
    expect(aggregate.epsilonSpent).toBe(0);
    expect(release('correlation', CORRELATION, { ...CORRELATION_RAW, matrix: [[1, 1 / 3], [1 / 3, 1]] }).value.matrix).toEqual([[1, 0.333333], [0.333333, 1]]);
    expect(release('train', LINEAR, LINEAR_RAW).value).toEqual(LINEAR_RAW);
    expect(release('train', FOREST, FOREST_RAW, { minGroupSize: 10 }).value).toEqual(FOREST_RAW);
    expect(release('evaluate', EVALUATE, { ...EVALUATE_RAW, metrics: { ...EVALUATE_RAW.metrics, accuracy: 0.912345678 } }).value.metrics).toMatchObject({ accuracy: 0.9123 });
    expect(release('histogram', HISTOGRAM, { error: { code: 'not-numeric', column: 'x' } })).toMatchObject({ value: { error: { code: 'not-numeric', column: 'x' } }, epsilonSpent: 0 });
  });

  it('drop what covers fewer than k rows: groups (counted as suppressed), small bins, whole-table results', () => {
    expect(release('aggregate', AGGREGATE, AGGREGATE_RAW, { minGroupSize: 100 }).value).toMatchObject({ groups: [{ key: ['a'] }], suppressed: 4 });
    expect(release('histogram', HISTOGRAM, { ...HISTOGRAM_RAW, counts: [0, 9, 10, 4000] }, { minGroupSize: 10 }).value).toMatchObject({ counts: [0, null, 10, 4000], above: null });
    for (const [name, params, raw] of [['correlation', CORRELATION, CORRELATION_RAW], ['train', LINEAR, LINEAR_RAW], ['evaluate', EVALUATE, EVALUATE_RAW]] as const) {
      expect(release(name, params, raw, { minGroupSize: 1000 }).value).toEqual({ error: { code: 'too-few-rows' } });
    }
  });
});

describe('a result that is not its template’s exact shape', () => {
  const rows = Array.from({ length: 50 }, (_, i) => `P${String(i).padStart(4, '0')},${i * 2},81,120,80,97,16,0`);
  const hostile: [string, TemplateName, unknown, unknown][] = [
    ['rows beside the results', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, rows }],
    ['rows in a group', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], rows }] }],
    ['a count as a string', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, suppressed: '3' }],
    ['a fractional count', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, suppressed: 3.5 }],
    ['a row as a group key', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], key: rows.slice(0, 3) }] }],
    ['a key too long', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], key: [rows.join(';')] }] }],
    ['more key values than groupBy columns', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], key: ['a', 'b'] }] }],
    ['a column not asked for', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], metrics: { x: metric(5, 1), heart_rate: metric(5, 80) } }] }],
    ['a statistic not asked for', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [{ ...AGGREGATE_RAW.groups[0], metrics: { x: { ...metric(5, 1), max: 99 } } }] }],
    ['a group twice', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: [AGGREGATE_RAW.groups[0], AGGREGATE_RAW.groups[0]] }],
    ['too many groups', 'aggregate', AGGREGATE, { ...AGGREGATE_RAW, groups: Array.from({ length: 1001 }, () => AGGREGATE_RAW.groups[0]) }],
    ['NaN', 'aggregate', AGGREGATE, '{"groups":[],"suppressed":NaN}'],
    ['not JSON', 'aggregate', AGGREGATE, rows.join('\n')],
    ['nesting past the parser', 'aggregate', AGGREGATE, `${'['.repeat(500_000)}${']'.repeat(500_000)}`],
    ['more than MAX_RESULT_BYTES', 'aggregate', AGGREGATE, `{"groups":[],"suppressed":0}${' '.repeat(1 << 20)}`],
    ['bin edges from the data', 'histogram', HISTOGRAM, { ...HISTOGRAM_RAW, edges: [0, 2.5, 4, 6, 8] }],
    ['a negative count', 'histogram', HISTOGRAM, { ...HISTOGRAM_RAW, below: -1 }],
    ['a bin too many', 'histogram', HISTOGRAM, { ...HISTOGRAM_RAW, counts: [...HISTOGRAM_RAW.counts, 1] }],
    ['other columns', 'correlation', CORRELATION, { ...CORRELATION_RAW, columns: ['x', 'z'] }],
    ['a matrix row too short', 'correlation', CORRELATION, { ...CORRELATION_RAW, matrix: [[1, 0.5], [0.5]] }],
    ['a metric more', 'train', LINEAR, { ...LINEAR_RAW, metrics: { ...LINEAR_RAW.metrics, rows: 1 } }],
    ['a coefficient for another column', 'train', LINEAR, { ...LINEAR_RAW, coefficients: { a: 1, c: 2 } }],
    ['an exact model for a private job', 'train', PRIVATE, LINEAR_RAW],
    ['a private model for an exact job', 'train', LINEAR, { ...PRIVATE_RAW, model: 'linear' }],
    ['another λ', 'train', PRIVATE, { ...PRIVATE_RAW, l2: 1 }],
    ['a tree that loops', 'train', FOREST, { ...FOREST_RAW, trees: [{ ...TREE, left: [0, -1, -1] }] }],
    ['a split on a feature not asked for', 'train', FOREST, { ...FOREST_RAW, trees: [{ ...TREE, feature: [2, -1, -1] }] }],
    ['a leaf without its class shares', 'train', FOREST, { ...FOREST_RAW, trees: [{ ...TREE, value: [[], [1], [0.2, 0.8]] }] }],
    ['classes of a regression', 'train', FOREST, { ...FOREST_RAW, task: 'regression' }],
    ['an accuracy above 1', 'evaluate', EVALUATE, { ...EVALUATE_RAW, metrics: { ...EVALUATE_RAW.metrics, accuracy: 2 } }],
    ['predictions beside the metrics', 'evaluate', EVALUATE, { ...EVALUATE_RAW, predictions: [0, 1, 1] }],
    ['an error code of its own', 'evaluate', EVALUATE, { error: { code: rows[0] } }],
    ['an error with details', 'evaluate', EVALUATE, { error: { code: 'model-failed', detail: rows[0] } }],
  ];

  it.each(hostile)('is refused: %s', (_label, name, params, raw) => {
    let refused: unknown;
    try {
      release(name, params, raw, { minGroupSize: 10 });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TemplateOutputError);
    expect((refused as Error).message).not.toMatch(/P00|rows|heart_rate|predictions|detail/);
  });
});

/** Mean and standard deviation of `values`. */
function spread(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1)) };
}

/** The standard deviation of a snapped Laplace release: the noise's and that of rounding to its grid. */
function snappedSd(sensitivity: number, epsilon: number): number {
  const { scale, grid } = laplaceSnapping(sensitivity, epsilon);
  return Math.sqrt(2 * scale ** 2 + grid ** 2 / 12);
}

const RELEASES = 2000;

describe('noise', () => {
  it('aggregate: Laplace on the count (Δ 1) and the clipped sum (Δ = max |bound|), ε split over every release', () => {
    const params = { ...AGGREGATE, noise: 'laplace', epsilon: 1 };
    const random = seeded(1);
    const runs = Array.from({ length: RELEASES }, () => release('aggregate', params, AGGREGATE_RAW, { random, minGroupSize: 10 }));
    expect(runs.every((run) => run.epsilonSpent === 1)).toBe(true);
    // Four releases share ε: the group's count, the column's count and sum, the count of suppressed groups.
    const share = 1 / 4;
    type Group = { key: string[]; count: number; metrics: { x: { count: number; sum: number; mean: number } } };
    const big = runs.map((run) => (run.value.groups as Group[]).find((group) => group.key[0] === 'a')!);
    const count = spread(big.map((group) => group.count));
    expect(count.mean).toBeCloseTo(5000, -1);
    expect(count.sd / snappedSd(1, share)).toBeGreaterThan(0.9);
    expect(count.sd / snappedSd(1, share)).toBeLessThan(1.1);
    const sum = spread(big.map((group) => group.metrics.x.sum));
    expect(Math.abs(sum.mean - 250_000)).toBeLessThan(100);
    expect(sum.sd / snappedSd(100, share)).toBeGreaterThan(0.9);
    expect(sum.sd / snappedSd(100, share)).toBeLessThan(1.1);
    for (const group of big) expect(group.metrics.x.mean).toBeCloseTo(group.metrics.x.sum / group.metrics.x.count, 3);
    // The 12-row group is released only when its noisy count clears k = 10 by b·ln(1/2δ) (b ≈ 4 here: a margin
    // of about 52 rows), which a group that small passes with a chance of about 10⁻⁶: never in these releases.
    // The 5,000-row group always does.
    const { scale } = laplaceSnapping(1, share);
    expect(scale * Math.log(1 / (2 * KEYS_DELTA))).toBeGreaterThan(50);
    expect(runs.filter((run) => (run.value.groups as Group[]).some((group) => group.key[0] === 'b'))).toHaveLength(0);
    expect(big.every((group) => group !== undefined)).toBe(true);
    // Replayed from the same seed, the release is the same.
    expect(release('aggregate', params, AGGREGATE_RAW, { random: seeded(7) }).json).toBe(release('aggregate', params, AGGREGATE_RAW, { random: seeded(7) }).json);
  });

  it('histogram: Gaussian of σ for Δ 1 on every bin, each with the whole ε (a row is in one bin)', () => {
    const params = { ...HISTOGRAM, noise: 'gaussian', epsilon: 0.5, delta: 1e-6 };
    const random = seeded(2);
    const counts = Array.from({ length: RELEASES }, () => release('histogram', params, HISTOGRAM_RAW, { random }).value.counts as number[]);
    const sigma = gaussianSigma(1, 0.5, 1e-6);
    for (const [bin, exact] of HISTOGRAM_RAW.counts.entries()) {
      const { mean, sd } = spread(counts.map((row) => row[bin]!));
      expect(Math.abs(mean - exact)).toBeLessThan((4 * sigma) / Math.sqrt(RELEASES));
      expect(sd / sigma).toBeGreaterThan(0.9);
      expect(sd / sigma).toBeLessThan(1.1);
    }
  });

  it('private logistic: Gaussian of σ for L2 sensitivity 2/(nλ) on each weight, released in the features’ units', () => {
    const random = seeded(3);
    const runs = Array.from({ length: RELEASES }, () => release('train', PRIVATE, PRIVATE_RAW, { random }));
    expect(runs[0]!.epsilonSpent).toBe(1);
    const sigma = gaussianSigma(2 / (1000 * 0.1), 1, 1e-6);
    const scale = 1 / Math.sqrt(3);
    // a ∈ [0, 10] was fed as scale·(a − 5)/5.
    const a = spread(runs.map((run) => (run.value.coefficients as Record<string, number>).a!));
    expect(a.mean).toBeCloseTo((0.5 * scale) / 5, 2);
    expect(a.sd / ((sigma * scale) / 5)).toBeGreaterThan(0.9);
    expect(a.sd / ((sigma * scale) / 5)).toBeLessThan(1.1);
    const intercept = spread(runs.map((run) => run.value.intercept as number));
    expect(intercept.mean).toBeCloseTo(scale * (0.1 - (0.5 * 5) / 5), 2);
  });
});
