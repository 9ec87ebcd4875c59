/**
 * The job form's analysis-template parameters: the fields a buyer fills from the dataset's published columns, the
 * parameters they make, and the check before paying with the node's own zod schemas (lib/compute/templates/params.ts),
 * whose messages the form shows. No Node imports: the template files stay on the provider's node.
 */
import type { z } from 'zod';
import type { DatasetDocument } from '@/lib/metadata';
import { AGGREGATE_STATS, aggregateParams, correlationParams, evaluateParams, histogramParams, trainParams } from '@/lib/compute/templates/params';
import type { TemplateName } from '@/lib/compute/templates';

export type AggregateStat = (typeof AGGREGATE_STATS)[number];
export type ModelKind = 'linear' | 'logistic' | 'forest';
export type NoiseChoice = 'none' | 'laplace' | 'gaussian';

/** One set of fields for every template, so that switching templates keeps the columns picked. Numbers as typed. */
export interface TemplateFields {
  groupBy: string[];
  /** Aggregate: the columns summarised, each with `stats`. */
  metrics: string[];
  stats: AggregateStat[];
  /** Histogram: its column, bins and range. */
  column: string;
  bins: string;
  lo: string;
  hi: string;
  /** Correlation. */
  columns: string[];
  /** Train (model) and evaluate (target, features). */
  model: ModelKind;
  target: string;
  features: string[];
  noise: NoiseChoice;
  epsilon: string;
  delta: string;
}

export const EMPTY_FIELDS: TemplateFields = {
  groupBy: [],
  metrics: [],
  stats: ['count', 'mean'],
  column: '',
  bins: '10',
  lo: '',
  hi: '',
  columns: [],
  model: 'linear',
  target: '',
  features: [],
  noise: 'none',
  epsilon: '',
  delta: '',
};

/** The templates whose results may carry noise from the form's fields. */
export const NOISY_TEMPLATES: readonly TemplateName[] = ['aggregate', 'histogram'];

const SCHEMAS: Record<TemplateName, z.ZodType> = {
  aggregate: aggregateParams,
  histogram: histogramParams,
  correlation: correlationParams,
  train: trainParams,
  evaluate: evaluateParams,
};

export type Column = NonNullable<DatasetDocument['columns']>[number];

/** Whether a published column holds numbers: the CSV profiler says `number`, Parquet and Arrow name a width. */
export function isNumeric(column: Column): boolean {
  return /^(number|u?int\d*|float\d*|double|decimal)/i.test(column.type);
}

/** A number as typed, or undefined while empty (NaN for text, which the schema refuses in its own words). */
const numberOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));
const named = (text: string): string | undefined => (text === '' ? undefined : text);

function privacyOf(fields: TemplateFields): Record<string, unknown> {
  if (fields.noise === 'none') return {};
  return {
    noise: fields.noise,
    epsilon: numberOf(fields.epsilon),
    ...(fields.noise === 'gaussian' ? { delta: numberOf(fields.delta) } : {}),
  };
}

/** The parameters `fields` make for `template`, as the node takes them (JSON: fields left empty are left out). */
export function templateParams(template: TemplateName, fields: TemplateFields): Record<string, unknown> {
  const parts: Record<TemplateName, () => Record<string, unknown>> = {
    aggregate: () => ({
      groupBy: fields.groupBy,
      metrics: fields.metrics.map((column) => ({
        column,
        stats: fields.stats,
      })),
      ...privacyOf(fields),
    }),
    histogram: () => ({
      column: named(fields.column),
      bins: numberOf(fields.bins),
      range: [numberOf(fields.lo), numberOf(fields.hi)],
      ...privacyOf(fields),
    }),
    correlation: () => ({ columns: fields.columns }),
    train: () => ({
      model: fields.model,
      target: named(fields.target),
      features: fields.features,
    }),
    evaluate: () => ({
      target: named(fields.target),
      features: fields.features,
    }),
  };
  return JSON.parse(JSON.stringify(parts[template]())) as Record<string, unknown>;
}

/** `params` checked with the template's schema: nothing when the node would take them, else each problem in the schema's words. */
export function templateProblems(template: TemplateName, params: unknown): string[] {
  const parsed = SCHEMAS[template].safeParse(params);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
}
