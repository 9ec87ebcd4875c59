/**
 * What each analysis template writes as result.json, exactly: strict, bounded zod schemas. The node parses the
 * raw result with them and refuses anything else before it releases a number (release.ts). No Node imports.
 */
import { z } from 'zod';
import { MAX_COLUMN_CHARS } from './params';

/** The largest result.json a template writes (its MAX_RESULT_BYTES) and the node reads. */
export const MAX_RESULT_BYTES = 1 << 20;

/** The codes a template's error result may carry; its column, if any, is one the parameters named. */
export const TEMPLATE_ERROR_CODES = [
  'unknown-column',
  'not-numeric',
  'too-many-groups',
  'key-too-long',
  'too-few-rows',
  'not-binary',
  'too-many-classes',
  'label-too-long',
  'small-class',
  'too-large',
  'model-missing',
  'model-unreadable',
  'model-failed',
] as const;

export const errorOutput = z.strictObject({
  error: z.strictObject({ code: z.enum(TEMPLATE_ERROR_CODES), column: z.string().max(MAX_COLUMN_CHARS).optional() }),
});

// JSON carries no NaN or infinity, and zod's numbers refuse them: every number here is finite.
const number = z.number();
const optional = number.nullable();
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const columnName = z.string().max(MAX_COLUMN_CHARS);
/** Mirrors the templates' MAX_GROUPS, MAX_KEY_CHARS and their forest's limits (50 trees of depth 8). */
const MAX_GROUPS = 1000;
const MAX_KEY_CHARS = 100;
const MAX_TREE_NODES = 2 ** 9 - 1;

export const aggregateOutput = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        key: z.array(z.string().max(MAX_KEY_CHARS)).max(3),
        count,
        metrics: z.record(
          columnName,
          z.strictObject({
            count: count.optional(),
            sum: number.optional(),
            mean: optional.optional(),
            min: optional.optional(),
            max: optional.optional(),
            quantiles: z.array(number).max(9).nullable().optional(),
          }),
        ),
      }),
    )
    .max(MAX_GROUPS),
  suppressed: count,
});

export const histogramOutput = z.strictObject({ edges: z.array(number).max(101), counts: z.array(count).max(100), below: count, above: count });

export const correlationOutput = z.strictObject({ columns: z.array(columnName).max(20), matrix: z.array(z.array(optional).max(20)).max(20), rows: count });

const coefficients = z.record(columnName, number);
const regressionMetrics = z.strictObject({ r2: optional, rmse: optional, mae: optional });
const classificationMetrics = z.strictObject({ accuracy: number.min(0).max(1), auc: optional.optional(), logLoss: optional });
const index = z.number().int().min(-1).max(MAX_TREE_NODES);
export const treeOutput = z.strictObject({
  feature: z.array(index).max(MAX_TREE_NODES),
  threshold: z.array(number).max(MAX_TREE_NODES),
  left: z.array(index).max(MAX_TREE_NODES),
  right: z.array(index).max(MAX_TREE_NODES),
  value: z.array(z.array(number).max(10)).max(MAX_TREE_NODES),
});

export const linearOutput = z.strictObject({ model: z.literal('linear'), coefficients, intercept: number, metrics: regressionMetrics, n: count, nTest: count });
export const logisticOutput = z.strictObject({ model: z.literal('logistic'), coefficients, intercept: number, metrics: classificationMetrics, n: count, nTest: count });
/** The exact weights on the scaled features (the intercept is the constant term's), for the node to perturb. */
export const privateLogisticOutput = z.strictObject({ model: z.literal('logistic'), coefficients, intercept: number, n: count.min(1), l2: number });
export const forestOutput = z.strictObject({
  model: z.literal('forest'),
  task: z.enum(['classification', 'regression']),
  features: z.array(columnName).max(20),
  classes: z.array(z.string().max(100)).min(2).max(10).optional(),
  trees: z.array(treeOutput).max(50),
  metrics: z.union([classificationMetrics, regressionMetrics]),
  n: count,
  nTest: count,
});
export const trainOutput = z.union([linearOutput, logisticOutput, privateLogisticOutput, forestOutput]);

const unit = z.number().min(0).max(1);
export const evaluateOutput = z.union([
  z.strictObject({ task: z.literal('classification'), metrics: z.strictObject({ accuracy: unit, precision: unit, recall: unit, f1: unit, auc: unit.nullable().optional() }), n: count }),
  z.strictObject({ task: z.literal('regression'), metrics: regressionMetrics, n: count }),
]);

export type AggregateOutput = z.output<typeof aggregateOutput>;
export type HistogramOutput = z.output<typeof histogramOutput>;
export type CorrelationOutput = z.output<typeof correlationOutput>;
export type TrainOutput = z.output<typeof trainOutput>;
export type ForestOutput = z.output<typeof forestOutput>;
export type EvaluateOutput = z.output<typeof evaluateOutput>;
