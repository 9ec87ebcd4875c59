/**
 * What leaves the node from a template's run: its raw result.json checked against the template's exact shape and
 * the parameters it ran with (anything else means the template misbehaved, or the buyer's model under `evaluate`
 * rewrote it: TemplateOutputError, nothing released), then held to the dataset's minimum group size k, perturbed
 * as the parameters ask, rounded, and written as canonical JSON.
 *
 * Small cells: without noise, an aggregate group, a histogram bin or a whole-table result over fewer than k rows
 * is not released (a group is dropped and counted in `suppressed`, a bin's count becomes null, a correlation,
 * model or evaluation becomes the error too-few-rows). With noise, differential privacy bounds what any one row
 * changes instead.
 */
import { z } from 'zod';
import { canonicalJson } from '../../net/json';
import { gaussianMechanism, gaussianSigma, laplaceMechanism, laplaceSnapping, splitEpsilon, type RandomSource } from '../../privacy';
import { TemplateOutputError, TemplateParamsError } from './errors';
import type { Template } from './index';
import {
  aggregateOutput,
  correlationOutput,
  errorOutput,
  evaluateOutput,
  forestOutput,
  histogramOutput,
  linearOutput,
  logisticOutput,
  MAX_RESULT_BYTES,
  privateLogisticOutput,
  type AggregateOutput,
  type CorrelationOutput,
  type EvaluateOutput,
  type ForestOutput,
  type HistogramOutput,
} from './outputs';
import {
  aggregateParams,
  correlationParams,
  evaluateParams,
  histogramParams,
  trainParams,
  type AggregateParams,
  type CorrelationParams,
  type HistogramParams,
  type TrainParams,
} from './params';

export interface ReleaseOptions {
  /** The dataset's minimum group size k; the parameters' own minGroupSize counts when larger. */
  minGroupSize?: number;
  /** The noise's randomness: secureRandom unless a test replays a seeded one. */
  random?: RandomSource;
}

export interface Released {
  /** The released result: canonical JSON (keys sorted, no whitespace). */
  json: string;
  /** The ε the release spent: the parameters' ε when noise was added, else 0. */
  epsilonSpent: number;
}

interface Context {
  k: number;
  random?: RandomSource;
  fail(problem: string): TemplateOutputError;
}

interface Release {
  value: unknown;
  epsilonSpent: number;
}

/** 6 significant digits; whole numbers (counts) stay exact. */
const round = (x: number): number => (Number.isInteger(x) ? x : Number(x.toPrecision(6)));
const roundOrNull = (x: number | null): number | null => (x === null ? null : round(x));
/** 4 significant digits and 4 decimals: a hostile model chooses these numbers, so each carries little. */
const roundMetric = (x: number | null | undefined): number | null => (x == null ? null : Number(Number(x.toPrecision(4)).toFixed(4)));
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const sameMembers = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item) => b.includes(item));
const tooFewRows = { error: { code: 'too-few-rows' } };

/** The noise the parameters ask for, each statistic given `epsilon` (and `delta`) of the budget. */
function mechanism(noise: 'laplace' | 'gaussian', epsilon: number, delta: number | undefined, random?: RandomSource) {
  return (value: number, sensitivity: number): number =>
    noise === 'laplace' ? laplaceMechanism(value, sensitivity, epsilon, { random }) : gaussianMechanism(value, sensitivity, epsilon, delta!, { random });
}

/** The chance a group's key appears although its rows were cut (fewer than k): the δ of DP partition selection. */
export const KEYS_DELTA = 1e-6;

/**
 * How far past k a count's noise reaches with probability at most KEYS_DELTA: b·ln(1/2δ) for Laplace of scale b
 * (its one-sided tail is ½e^(−t/b)), σ·√(2 ln(1/2δ)) for a Gaussian (its tail is below ½e^(−t²/2σ²)).
 */
function keysMargin(noise: 'laplace' | 'gaussian', epsilon: number, delta: number | undefined): number {
  const log = Math.log(1 / (2 * KEYS_DELTA));
  return noise === 'laplace' ? laplaceSnapping(1, epsilon).scale * log : gaussianSigma(1, epsilon, delta!) * Math.sqrt(2 * log);
}

/** A noisy count (sensitivity 1), never below 0: clamping is post-processing, free of privacy cost. */
const countOf = (noisy: ReturnType<typeof mechanism>, count: number): number => Math.max(0, noisy(count, 1));

/**
 * Releases a template's raw result.json (`rawJson`) for `params` (as the template ran with them): refuses one
 * that is not the template's exact shape for those parameters (TemplateOutputError, quoting none of it), applies
 * k and the noise the parameters ask for, rounds every number, and returns canonical JSON with the ε it spent.
 * A template's error result (a fixed code, a column named in the parameters) is released as it is, for ε 0.
 */
export function releaseTemplateOutput(template: Template, params: unknown, rawJson: string, options: ReleaseOptions = {}): Released {
  const fail = (problem: string) => new TemplateOutputError(template.name, problem);
  const bytes = Buffer.byteLength(rawJson);
  if (bytes > MAX_RESULT_BYTES) throw fail(`it is ${bytes} bytes; a template writes at most ${MAX_RESULT_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(rawJson);
  } catch {
    // A nesting deep enough to overflow the parser's stack lands here too.
    throw fail('it is not JSON');
  }
  const error = errorOutput.safeParse(raw);
  if (error.success) return { json: canonicalJson(error.data), epsilonSpent: 0 };
  const context: Context = { k: options.minGroupSize ?? 1, random: options.random, fail };
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    // Only the kind of the first problem: its path and message could quote keys the result made up.
    throw fail(`it does not have the template's fixed shape (${parsed.error.issues[0]?.code ?? 'invalid'})`);
  };
  const given = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(params);
    if (!parsed.success) throw new TemplateParamsError(template.name, 'the parameters it ran with are not ones it takes');
    return parsed.data;
  };
  const release = (): Release => {
    switch (template.name) {
      case 'aggregate':
        return releaseAggregate(given(aggregateParams), parse(aggregateOutput, raw), context);
      case 'histogram':
        return releaseHistogram(given(histogramParams), parse(histogramOutput, raw), context);
      case 'correlation':
        return releaseCorrelation(given(correlationParams), parse(correlationOutput, raw), context);
      case 'train':
        return releaseTrain(given(trainParams), raw, parse, context);
      case 'evaluate':
        given(evaluateParams);
        return releaseEvaluate(parse(evaluateOutput, raw), context);
    }
  };
  const { value, epsilonSpent } = release();
  return { json: canonicalJson(value), epsilonSpent };
}

/** The statistics a metric's raw result holds: those asked, and a mean's count and sum. */
function rawStats(stats: readonly string[]): string[] {
  return [...new Set([...stats, ...(stats.includes('mean') ? ['count', 'sum'] : [])])];
}

function releaseAggregate(params: AggregateParams, raw: AggregateOutput, context: Context): Release {
  const { fail } = context;
  // A group listed twice would be released twice, its noise drawn twice: ε would not add up.
  if (new Set(raw.groups.map((group) => JSON.stringify(group.key))).size !== raw.groups.length) throw fail('a group is listed twice');
  for (const group of raw.groups) {
    if (group.key.length !== params.groupBy.length) throw fail('a group key does not have one value per groupBy column');
    if (!sameMembers(Object.keys(group.metrics), params.metrics.map((metric) => metric.column))) throw fail('a group does not have the metrics asked for');
    for (const metric of params.metrics) {
      const stats = group.metrics[metric.column]!;
      if (!sameMembers(Object.keys(stats), rawStats(metric.stats))) throw fail('a metric does not have the statistics asked for');
      if (stats.quantiles && stats.quantiles.length !== params.quantiles.length) throw fail('a metric does not have the quantiles asked for');
    }
  }
  const k = Math.max(params.minGroupSize, context.k);
  if (params.noise === undefined) {
    const kept = raw.groups.filter((group) => group.count >= k);
    const groups = kept.map((group) => ({
      key: group.key,
      count: group.count,
      metrics: Object.fromEntries(
        params.metrics.map((metric) => {
          const stats = group.metrics[metric.column]!;
          const released = metric.stats.map((stat) => [stat, stat === 'quantiles' ? (stats.quantiles?.map(round) ?? null) : roundOrNull(stats[stat] ?? null)]);
          return [metric.column, Object.fromEntries(released)];
        }),
      ),
    }));
    return { value: { groups, suppressed: raw.suppressed + raw.groups.length - kept.length }, epsilonSpent: 0 };
  }
  // Every group releases its count and, per column, a count and a sum where asked (a mean needs both); groups
  // are disjoint (parallel composition), and the count of suppressed groups is one more release on the table.
  const counted = params.metrics.filter((metric) => metric.stats.includes('count') || metric.stats.includes('mean'));
  const summed = params.metrics.filter((metric) => metric.stats.includes('sum') || metric.stats.includes('mean'));
  const parts = 1 + counted.length + summed.length + 1;
  const epsilon = splitEpsilon(params.epsilon!, parts);
  const noisy = mechanism(params.noise, epsilon, params.delta === undefined ? undefined : params.delta / parts, context.random);
  const groups: unknown[] = [];
  let dropped = 0;
  // Group keys are values of the data, so which groups appear is a release too. The template cut groups below k
  // by their exact count; a group is kept only if its noisy count clears k by a margin the noise could pass with
  // probability at most KEYS_DELTA, so a group at the edge of that cut (or of one row) shows with at most that
  // probability: the set of keys is (ε, δ)-DP, as in DP partition selection. With no grouping there are no keys.
  const threshold = params.groupBy.length === 0 ? k : k + keysMargin(params.noise, epsilon, params.delta === undefined ? undefined : params.delta / parts);
  for (const group of raw.groups) {
    const count = countOf(noisy, group.count);
    if (count < threshold) {
      dropped++;
      continue;
    }
    const metrics = params.metrics.map((metric) => {
      const stats = group.metrics[metric.column]!;
      const [lo, hi] = params.bounds[metric.column] ?? [0, 0];
      const values = counted.includes(metric) ? countOf(noisy, stats.count!) : undefined;
      // A row clipped to [lo, hi] moves the sum by at most max(|lo|, |hi|).
      const sum = summed.includes(metric) ? noisy(stats.sum!, Math.max(Math.abs(lo), Math.abs(hi))) : undefined;
      const released: Record<string, number> = {};
      if (metric.stats.includes('count')) released.count = round(values!);
      if (metric.stats.includes('sum')) released.sum = round(sum!);
      // The mean lies in [lo, hi]: clamping the ratio of noisy sums and counts to it is free post-processing.
      if (metric.stats.includes('mean')) released.mean = round(clamp(sum! / Math.max(1, values!), lo, hi));
      return [metric.column, released];
    });
    groups.push({ key: group.key, count: round(count), metrics: Object.fromEntries(metrics) });
  }
  return { value: { groups, suppressed: round(countOf(noisy, raw.suppressed)) + dropped }, epsilonSpent: params.epsilon! };
}

function releaseHistogram(params: HistogramParams, raw: HistogramOutput, context: Context): Release {
  const [lo, hi] = params.range;
  const width = (hi - lo) / params.bins;
  if (raw.counts.length !== params.bins || raw.edges.length !== params.bins + 1) throw context.fail('it does not have the bins asked for');
  if (raw.edges.some((edge, i) => Math.abs(edge - (lo + i * width)) > 1e-9 * (hi - lo))) throw context.fail('its bin edges are not the ones the parameters give');
  const edges = raw.edges.map(round);
  if (params.noise === undefined) {
    const cell = (count: number) => (count > 0 && count < context.k ? null : count);
    return { value: { edges, counts: raw.counts.map(cell), below: cell(raw.below), above: cell(raw.above) }, epsilonSpent: 0 };
  }
  // A row falls in one bin, or below or above: every count may spend the whole ε (parallel composition).
  const noisy = mechanism(params.noise, params.epsilon!, params.delta, context.random);
  const cell = (count: number) => round(countOf(noisy, count));
  return { value: { edges, counts: raw.counts.map(cell), below: cell(raw.below), above: cell(raw.above) }, epsilonSpent: params.epsilon! };
}

function releaseCorrelation(params: CorrelationParams, raw: CorrelationOutput, context: Context): Release {
  const d = params.columns.length;
  if (raw.columns.length !== d || raw.columns.some((column, i) => column !== params.columns[i])) throw context.fail('its columns are not the ones asked for');
  if (raw.matrix.length !== d || raw.matrix.some((row) => row.length !== d)) throw context.fail('its matrix is not one row and column per column');
  if (raw.rows < context.k) return { value: tooFewRows, epsilonSpent: 0 };
  return { value: { columns: raw.columns, matrix: raw.matrix.map((row) => row.map(roundOrNull)), rows: raw.rows }, epsilonSpent: 0 };
}

type Parse = <T>(schema: z.ZodType<T>, value: unknown) => T;

function releaseTrain(params: TrainParams, raw: unknown, parse: Parse, context: Context): Release {
  const { fail } = context;
  const weights = (coefficients: Record<string, number>) => {
    if (!sameMembers(Object.keys(coefficients), params.features)) throw fail('its coefficients are not one per feature');
    return coefficients;
  };
  if (params.model === 'forest') return releaseForest(params, parse(forestOutput, raw), context);
  if ('noise' in params) {
    const model = parse(privateLogisticOutput, raw);
    const w = weights(model.coefficients);
    if (model.l2 !== params.l2) throw fail('its λ is not the one asked for');
    // Output perturbation (Chaudhuri, Monteleoni & Sarwate 2011): with every row's scaled vector, constant term
    // included, in the unit ball, the λ-regularised logistic minimiser moves by at most 2/(nλ) in L2 when one row
    // changes; Gaussian noise of that sensitivity on each weight makes the whole vector (ε, δ)-DP. n is not
    // released: it is a count without noise.
    const noisy = mechanism('gaussian', params.epsilon, params.delta, context.random);
    const sensitivity = 2 / (model.n * params.l2);
    const scale = 1 / Math.sqrt(params.features.length + 1);
    let intercept = noisy(model.intercept, sensitivity);
    const coefficients: Record<string, number> = {};
    // Back to the features' own units (post-processing): the template fed scale·(x − mid)/half for x in [lo, hi].
    for (const feature of params.features) {
      const [lo, hi] = params.featureBounds[feature]!;
      const half = (hi - lo) / 2;
      const weight = noisy(w[feature]!, sensitivity);
      coefficients[feature] = (weight * scale) / half;
      intercept -= (weight * (lo + half)) / half;
    }
    return { value: { model: 'logistic', coefficients: roundAll(coefficients), intercept: round(intercept * scale) }, epsilonSpent: params.epsilon };
  }
  const model = params.model === 'linear' ? parse(linearOutput, raw) : parse(logisticOutput, raw);
  if (model.n < context.k) return { value: tooFewRows, epsilonSpent: 0 };
  const metrics = Object.fromEntries(Object.entries(model.metrics).map(([name, value]: [string, number | null]) => [name, roundOrNull(value)]));
  return { value: { model: model.model, coefficients: roundAll(weights(model.coefficients)), intercept: round(model.intercept), metrics, n: model.n, nTest: model.nTest }, epsilonSpent: 0 };
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, round(value)]));
}

function releaseForest(params: Extract<TrainParams, { model: 'forest' }>, raw: ForestOutput, context: Context): Release {
  const { fail } = context;
  if (params.minSamplesLeaf < context.k) throw new TemplateParamsError('train', `minSamplesLeaf ${params.minSamplesLeaf} is below the dataset's minimum group size ${context.k}`);
  const classification = raw.task === 'classification';
  if (raw.features.length !== params.features.length || raw.features.some((feature, i) => feature !== params.features[i])) throw fail('its features are not the ones asked for');
  if (classification !== (raw.classes !== undefined) || classification !== 'accuracy' in raw.metrics) throw fail('its task, classes and metrics disagree');
  if (raw.trees.length !== params.trees) throw fail('it does not have the trees asked for');
  const leafValues = raw.classes?.length ?? 1;
  for (const tree of raw.trees) {
    const nodes = tree.feature.length;
    if ([tree.threshold, tree.left, tree.right, tree.value].some((column) => column.length !== nodes) || nodes === 0) throw fail('a tree’s node arrays differ in length');
    for (let i = 0; i < nodes; i++) {
      const leaf = tree.left[i] === -1;
      const wellFormed = leaf
        ? tree.right[i] === -1 && tree.feature[i] === -1 && tree.value[i]!.length === leafValues
        : tree.feature[i]! >= 0 && tree.feature[i]! < params.features.length && [tree.left[i]!, tree.right[i]!].every((child) => child > i && child < nodes) && tree.value[i]!.length === 0;
      if (!wellFormed) throw fail('a tree’s nodes are not a tree over the features');
    }
  }
  const trees = raw.trees.map((tree) => ({ ...tree, threshold: tree.threshold.map(round), value: tree.value.map((values) => values.map(round)) }));
  const metrics = Object.fromEntries(Object.entries(raw.metrics).map(([name, value]: [string, number | null]) => [name, roundOrNull(value)]));
  return { value: { ...raw, trees, metrics }, epsilonSpent: 0 };
}

function releaseEvaluate(raw: EvaluateOutput, context: Context): Release {
  if (raw.n < context.k) return { value: tooFewRows, epsilonSpent: 0 };
  const metrics = Object.fromEntries(Object.entries(raw.metrics).map(([name, value]: [string, number | null | undefined]) => [name, roundMetric(value)]));
  return { value: { task: raw.task, metrics, n: raw.n }, epsilonSpent: 0 };
}
