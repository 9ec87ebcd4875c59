/**
 * The three compute policies an owner chooses from, what each means in plain words (the CLI and the publish wizard
 * say the same), their defaults, and the release budget each sets on ComputeMarket. No Node imports: pages use it.
 */
import type { ComputePolicy, DatasetDocument } from '../metadata';
import { toMicroEpsilon } from '../privacy';

export type AlgorithmPolicy = ComputePolicy['algorithms'];

export const ALGORITHM_POLICIES: readonly AlgorithmPolicy[] = ['templates', 'approved', 'any'];

/** What each policy lets buyers do, and what it costs the owner's privacy. */
export const POLICY_WORDS: Record<AlgorithmPolicy, { title: string; consequence: string }> = {
  templates: {
    title: 'Analysis templates only',
    consequence:
      'Only the analysis templates shipped with your providers run (aggregates, histograms, correlations, model training and evaluation); buyers send parameters, never code. Each result has a fixed, small shape with no room for raw rows, groups smaller than your minimum are suppressed, and with a privacy budget every figure carries calibrated noise.',
  },
  approved: {
    title: 'Algorithms you approve',
    consequence: 'Only algorithms whose hash you approve run; you read each one before it touches your data. The output guard checks their results as a second line.',
  },
  any: {
    title: 'Any algorithm, within a byte budget',
    consequence:
      'Any algorithm runs, under the output guard and a budget of released bytes per job and per buyer. This is leak-resistant, not leak-proof: an algorithm written to smuggle data out can release up to its byte budget of your data.',
  },
};

/** What one job may release under `any` unless the owner says otherwise. */
export const DEFAULT_JOB_RELEASE_BYTES = 64 * 1024;
/** The least rows behind a group a template releases, unless the owner says otherwise. */
export const DEFAULT_MIN_GROUP_SIZE = 10;
/** The output cap under templates: a template's result is far smaller (templates/outputs.ts, MAX_RESULT_BYTES). */
const TEMPLATES_MAX_OUTPUT_BYTES = 1 << 20;
/** The output guard's cap on a free-form algorithm's outputs plus logs, unless the owner says otherwise. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A dataset's policy: documents without one predate templates and ran any algorithm. */
export function policyOf(document: Pick<DatasetDocument, 'compute'>): AlgorithmPolicy {
  return document.compute?.algorithms ?? 'any';
}

/** The compute policy a new dataset gets when its owner names none: templates for compute-only data. */
export function defaultComputePolicy(computeOnly: boolean): ComputePolicy | undefined {
  if (!computeOnly) return undefined;
  return { algorithms: 'templates', outputGuard: { maxOutputBytes: TEMPLATES_MAX_OUTPUT_BYTES, leakDetection: true, minGroupSize: DEFAULT_MIN_GROUP_SIZE } };
}

/** What an owner chose at publish (the CLI's flags, the wizard's fields); each absent one takes its default. */
export interface PolicyChoice {
  algorithms?: AlgorithmPolicy;
  /** The guard's cap on one job's outputs plus logs. */
  maxOutputBytes?: number;
  minGroupSize?: number;
}

/**
 * The compute policy an owner's choices make, or undefined when they chose nothing (the publish then applies
 * defaultComputePolicy). Templates keep their small output cap and k unless told otherwise.
 */
export function chosenComputePolicy(computeOnly: boolean, choice: PolicyChoice): ComputePolicy | undefined {
  if (choice.algorithms === undefined && choice.maxOutputBytes === undefined && choice.minGroupSize === undefined) return undefined;
  const base = defaultComputePolicy(computeOnly);
  const algorithms = choice.algorithms ?? base?.algorithms ?? 'any';
  const guard = algorithms === 'templates' && base ? base.outputGuard : { maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES, leakDetection: true };
  const groupSize = choice.minGroupSize ?? (algorithms === 'templates' ? base?.outputGuard.minGroupSize : undefined);
  return {
    algorithms,
    outputGuard: { ...guard, ...(choice.maxOutputBytes !== undefined ? { maxOutputBytes: choice.maxOutputBytes } : {}), ...(groupSize ? { minGroupSize: groupSize } : {}) },
  };
}

/** An owner's release limits as typed: ε as a number, bytes as a count; absent sets no limit. */
export interface ReleaseLimits {
  /** ε all buyers together may spend on the dataset. */
  epsilonTotal?: number;
  /** ε one buyer may spend. */
  epsilonPerBuyer?: number;
  bytesPerJob?: number;
  bytesPerBuyer?: number;
}

/** ComputeMarket's ReleaseBudget: ε in millionths; a zero field sets no limit. */
export interface ReleaseBudget {
  epsilonTotal: bigint;
  epsilonPerBuyer: bigint;
  bytesPerJob: bigint;
  bytesPerBuyer: bigint;
}

/** The budget a publish sets for `policy` and the owner's `limits`: `any` caps each job at 64 KiB unless told. */
export function releaseBudgetFor(policy: AlgorithmPolicy, limits: ReleaseLimits): ReleaseBudget {
  const bytesPerJob = limits.bytesPerJob ?? (policy === 'any' ? DEFAULT_JOB_RELEASE_BYTES : undefined);
  return {
    epsilonTotal: limits.epsilonTotal === undefined ? 0n : toMicroEpsilon(limits.epsilonTotal),
    epsilonPerBuyer: limits.epsilonPerBuyer === undefined ? 0n : toMicroEpsilon(limits.epsilonPerBuyer),
    bytesPerJob: BigInt(bytesPerJob ?? 0),
    bytesPerBuyer: BigInt(limits.bytesPerBuyer ?? 0),
  };
}

/** Whether `budget` limits anything (all zero is ComputeMarket's default). */
export function limitsAnything(budget: ReleaseBudget): boolean {
  return budget.epsilonTotal !== 0n || budget.epsilonPerBuyer !== 0n || budget.bytesPerJob !== 0n || budget.bytesPerBuyer !== 0n;
}

/** The ε a template's parameters spend: their `epsilon` when they ask for `noise`, else none. */
export function templateEpsilon(params: unknown): number {
  if (params === null || typeof params !== 'object' || !('noise' in params) || params.noise === undefined) return 0;
  return 'epsilon' in params && typeof params.epsilon === 'number' ? params.epsilon : 0;
}

/** Whether `budget` limits ε: then every template result must carry noise (noise-free answers would spend none). */
export function requiresNoise(budget: ReleaseBudget): boolean {
  return budget.epsilonTotal !== 0n || budget.epsilonPerBuyer !== 0n;
}
