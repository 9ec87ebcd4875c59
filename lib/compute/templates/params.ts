/**
 * The parameters each analysis template takes, as strict, bounded zod schemas: the node parses a buyer's
 * parameters with them before the job is paid, and writes the parsed value (defaults filled in) as the template's
 * algoCustomData.json. No Node imports.
 */
import { z } from 'zod';

/** Longest column name a template takes. */
export const MAX_COLUMN_CHARS = 200;
/** The most ε one job may ask for: past a few, the noise protects little. */
export const MAX_EPSILON = 10;
/** The largest δ a Gaussian job may ask for (it should sit well below 1/rows). */
export const MAX_DELTA = 1e-3;

export const NOISE = ['laplace', 'gaussian'] as const;
export const AGGREGATE_STATS = ['count', 'sum', 'mean', 'min', 'max', 'quantiles'] as const;
/** Statistics that are cells of the data (an extreme, an order statistic): no noise makes them private. */
export const RAW_VALUE_STATS: readonly (typeof AGGREGATE_STATS)[number][] = ['min', 'max', 'quantiles'];

// zod 4 drops a record key named __proto__ silently: refused here so it is never a column that vanishes.
const column = z
  .string()
  .min(1)
  .max(MAX_COLUMN_CHARS)
  .refine((name) => name !== '__proto__', { message: '"__proto__" cannot name a column here' })
  .describe('a column of the dataset, as its published schema names it');

const distinct = <T>(items: T[]) => new Set(items).size === items.length;
const columns = (min: number, max: number) => z.array(column).min(min).max(max).refine(distinct, { message: 'a column is named twice' });

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo < hi, { message: 'a range is [lo, hi] with lo below hi' });
const MAX_RANGES = 20;
const ranges = z.record(column, range).refine((map) => Object.keys(map).length <= MAX_RANGES, { message: `at most ${MAX_RANGES} columns` });

const epsilon = z.number().positive().max(MAX_EPSILON).describe('the privacy loss the release costs the dataset’s budget');
const delta = z.number().positive().max(MAX_DELTA).describe('the chance the ε guarantee fails (Gaussian noise only)');
const privacy = { noise: z.enum(NOISE).optional(), epsilon: epsilon.optional(), delta: delta.optional() };

interface Privacy {
  noise?: (typeof NOISE)[number];
  epsilon?: number;
  delta?: number;
}

/** ε comes with noise, and δ with Gaussian noise only. */
function checkPrivacy(params: Privacy, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (params.noise === undefined) {
    if (params.epsilon !== undefined || params.delta !== undefined) issue('noise', 'epsilon and delta are given with noise only');
    return;
  }
  if (params.epsilon === undefined) issue('epsilon', `${params.noise} noise needs epsilon`);
  if (params.noise === 'gaussian' && params.delta === undefined) issue('delta', 'gaussian noise needs delta');
  if (params.noise === 'laplace' && params.delta !== undefined) issue('delta', 'laplace noise takes no delta');
}

export const aggregateParams = z
  .strictObject({
    groupBy: columns(0, 3).default([]).describe('columns whose values make the groups; none: the whole table is one group'),
    metrics: z
      .array(z.strictObject({ column, stats: z.array(z.enum(AGGREGATE_STATS)).min(1).max(AGGREGATE_STATS.length).refine(distinct, { message: 'a statistic is named twice' }) }))
      .max(8)
      .refine((metrics) => distinct(metrics.map((metric) => metric.column)), { message: 'a column is named twice' })
      .default([]),
    quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(9).default([0.25, 0.5, 0.75]).describe('the levels of the quantiles statistic'),
    bounds: ranges.default({}).describe('[lo, hi] per column: its values are clipped to it; required with noise for a summed or averaged column'),
    minGroupSize: z.number().int().min(1).max(1_000_000).default(1).describe('groups of fewer rows are left out; the node raises it to the dataset’s minimum'),
    ...privacy,
  })
  .superRefine((params, ctx) => {
    checkPrivacy(params, ctx);
    if (params.noise === undefined) return;
    params.metrics.forEach((metric, i) => {
      if (metric.stats.some((stat) => RAW_VALUE_STATS.includes(stat))) {
        ctx.addIssue({ code: 'custom', path: ['metrics', i, 'stats'], message: 'min, max and quantiles are cells of the data: they are not released with noise' });
      }
      if ((metric.stats.includes('sum') || metric.stats.includes('mean')) && !Object.hasOwn(params.bounds, metric.column)) {
        ctx.addIssue({ code: 'custom', path: ['bounds'], message: `noise needs bounds for ${metric.column}, whose sum it releases` });
      }
    });
  });

export const histogramParams = z
  .strictObject({
    column,
    bins: z.number().int().min(2).max(100),
    range: range.describe('[lo, hi]: the bins split it evenly (edges never come from the data)'),
    ...privacy,
  })
  .superRefine(checkPrivacy);

export const correlationParams = z.strictObject({ columns: columns(2, 20) });

const MAX_FEATURES = 20;
const model = { target: column, features: columns(1, MAX_FEATURES) };
const split = {
  testFraction: z.number().min(0.1).max(0.5).default(0.25).describe('the share of rows held out for the metrics'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
};

const privateLogistic = z
  .strictObject({
    model: z.literal('logistic'),
    ...model,
    noise: z.literal('gaussian'),
    epsilon,
    delta,
    l2: z.number().min(1e-6).max(100).describe('λ, the L2 regularisation: the noise shrinks as n·λ grows'),
    featureBounds: ranges.describe('[lo, hi] per feature: values are clipped to it and scaled so each row has norm at most 1'),
  })
  .superRefine((params, ctx) => {
    const bounded = Object.keys(params.featureBounds);
    if (params.features.length !== bounded.length || !params.features.every((feature) => bounded.includes(feature))) {
      ctx.addIssue({ code: 'custom', path: ['featureBounds'], message: 'featureBounds gives a range for every feature and for nothing else' });
    }
  });

export const trainParams = z.union([
  z.strictObject({ model: z.literal('linear'), ...model, ...split }),
  z.strictObject({ model: z.literal('logistic'), ...model, ...split }),
  privateLogistic,
  z.strictObject({
    model: z.literal('forest'),
    ...model,
    ...split,
    trees: z.number().int().min(1).max(50).default(20),
    maxDepth: z.number().int().min(1).max(8).default(6),
    minSamplesLeaf: z.number().int().min(1).max(1_000_000).default(20).describe('rows in every leaf at least; at least the dataset’s minimum group size'),
  }),
]);

export const evaluateParams = z.strictObject({ target: column, features: columns(1, 50).describe('the model’s input columns, in its order') });

export type AggregateParams = z.output<typeof aggregateParams>;
export type HistogramParams = z.output<typeof histogramParams>;
export type CorrelationParams = z.output<typeof correlationParams>;
export type TrainParams = z.output<typeof trainParams>;
export type EvaluateParams = z.output<typeof evaluateParams>;
