/**
 * The analysis templates a provider node ships: for a dataset whose compute policy is `templates`, only these run,
 * and the buyer sends parameters, never code. Each is a Python file beside this module, with prelude.py (which they
 * all share) put in its marked place: one source, run by /usr/bin/python3 in the sandbox with the parsed parameters
 * as /data/inputs/algoCustomData.json; it writes one result.json of exact results in a fixed shape, which
 * release.ts checks, perturbs as the parameters ask and rounds before anything leaves the node. A job commits to a
 * template by its source's hash, as to any algorithm. Node only (it reads the files); the CLI bundle keeps each
 * module's own directory as __dirname, so the files are found there too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Hex } from 'viem';
import { z } from 'zod';
import { algorithmHash } from '../algorithm';
import { templateEpsilon } from '../policy';
import { TemplateParamsError } from './errors';
import { aggregateOutput, correlationOutput, errorOutput, evaluateOutput, histogramOutput, trainOutput } from './outputs';
import {
  aggregateParams,
  correlationParams,
  evaluateParams,
  histogramParams,
  trainParams,
  type AggregateParams,
  type CorrelationParams,
  type EvaluateParams,
  type HistogramParams,
  type TrainParams,
} from './params';

export { TemplateOutputError, TemplateParamsError } from './errors';
export { MAX_RESULT_BYTES, TEMPLATE_ERROR_CODES } from './outputs';
export { releaseTemplateOutput, type Released, type ReleaseOptions } from './release';

export const TEMPLATE_NAMES = ['aggregate', 'histogram', 'correlation', 'train', 'evaluate'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * One template. `params` parses what a buyer sends; the node writes the parsed value (defaults filled in) for the
 * template, and passes the same value to releaseTemplateOutput. The methods take parsed parameters.
 */
export interface Template<P = unknown> {
  readonly name: TemplateName;
  /** Semver, from the file's header. */
  readonly version: string;
  /** The Python file as it runs, is served and is hashed: the template's file with the shared prelude in place. */
  readonly source: string;
  readonly description: string;
  /** SHA-256 of the source, the bytes32 a job commits to as its algorithm hash. */
  readonly hash: Hex;
  readonly params: z.ZodType<P>;
  /** What the template writes as result.json: its results, or an error naming a fixed code. */
  readonly output: z.ZodType;
  /** Whether the release adds noise, and so spends ε. */
  noisy(params: P): boolean;
  /** The ε the job spends from the dataset's budget: params.epsilon with noise, else 0. */
  epsilonOf(params: P): number;
  /** The columns the parameters name, to check against the dataset's published schema before anyone pays. */
  columnsOf(params: P): string[];
}

/** A template's JSON-safe description, for the provider's /environments answer, UIs and `datagora templates`. */
export interface TemplateSummary {
  name: TemplateName;
  version: string;
  hash: Hex;
  description: string;
  /** The parameters as JSON Schema (draft 2020-12); the rules across fields are in the descriptions. */
  params: Record<string, unknown>;
}

/** `# Datagora analysis template "<name>", version <semver>.` then what it computes, up to an empty comment line. */
const HEADER = /^# Datagora analysis template "([a-z]+)", version (\d+\.\d+\.\d+)\.\n((?:# .+\n)+)#\n/;

/** The line of each template's file that the shared prelude replaces. */
const PRELUDE_MARKER = '# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---\n';
/** What every template shares (reading the data and parameters, writing the result), without its own header. */
const PRELUDE = readFileSync(path.join(__dirname, 'prelude.py'), 'utf8').replace(/^(?:# .*\n)+/, '');

function define<P>(name: TemplateName, parts: { params: z.ZodType<P>; output: z.ZodType; columnsOf(params: P): string[] }): Template<P> {
  const file = path.join(__dirname, `${name}.py`);
  const text = readFileSync(file, 'utf8');
  const header = HEADER.exec(text);
  // A file without its header or prelude marker is a broken checkout or build, not a runtime condition.
  if (!header || header[1] !== name || !text.includes(PRELUDE_MARKER)) throw new Error(`${file} does not start with the header of the ${name} template, or has no prelude marker`);
  const source = text.replace(PRELUDE_MARKER, () => PRELUDE);
  return {
    name,
    version: header[2]!,
    source,
    description: header[3]!.replace(/^# /gm, '').replace(/\n/g, ' ').trim(),
    hash: algorithmHash(new TextEncoder().encode(source)),
    params: parts.params,
    output: z.union([errorOutput, parts.output]),
    noisy: (params) => templateEpsilon(params) > 0,
    epsilonOf: (params) => templateEpsilon(params),
    columnsOf: (params) => [...new Set(parts.columnsOf(params))],
  };
}

export const TEMPLATES: readonly Template[] = [
  define<AggregateParams>('aggregate', {
    params: aggregateParams,
    output: aggregateOutput,
    columnsOf: (p) => [...p.groupBy, ...p.metrics.map((metric) => metric.column), ...Object.keys(p.bounds)],
  }),
  define<HistogramParams>('histogram', { params: histogramParams, output: histogramOutput, columnsOf: (p) => [p.column] }),
  define<CorrelationParams>('correlation', { params: correlationParams, output: correlationOutput, columnsOf: (p) => p.columns }),
  define<TrainParams>('train', {
    params: trainParams,
    output: trainOutput,
    columnsOf: (p) => [p.target, ...p.features, ...('featureBounds' in p ? Object.keys(p.featureBounds) : [])],
  }),
  define<EvaluateParams>('evaluate', { params: evaluateParams, output: evaluateOutput, columnsOf: (p) => [p.target, ...p.features] }),
];

export function templateByName(name: string): Template | undefined {
  return TEMPLATES.find((template) => template.name === name);
}

/** The template a job's algorithm hash commits to (any case of hex). */
export function templateByHash(hash: string): Template | undefined {
  return TEMPLATES.find((template) => template.hash === hash.toLowerCase());
}

/** `raw` parsed by the template's schema (defaults filled in), or TemplateParamsError naming each problem. */
export function parseTemplateParams(template: Template, raw: unknown): unknown {
  const parsed = template.params.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  throw new TemplateParamsError(template.name, problems.join('; '));
}

export const templateSummaries: readonly TemplateSummary[] = TEMPLATES.map((template) => ({
  name: template.name,
  version: template.version,
  hash: template.hash,
  description: template.description,
  params: z.toJSONSchema(template.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
}));
