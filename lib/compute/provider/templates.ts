/**
 * Template jobs on the provider node. Before anything is accepted or decrypted: a `templates` dataset runs only the
 * node's own templates; a template's parameters must parse, name only the dataset's published columns, and declare
 * exactly the ε the job reserved on-chain; where the owner set an ε budget, the result must carry noise. After the
 * run: only the template's result.json leaves, released (k re-checked, noise added, numbers rounded) by
 * releaseTemplateOutput, and no log does.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { contractsOf } from '../../contracts';
import type { DatasetDocument } from '../../metadata';
import type { Market } from '../../market';
import { toMicroEpsilon } from '../../privacy';
import { DEFAULT_MIN_GROUP_SIZE, policyOf, requiresNoise } from '../policy';
import type { Job } from '../settlement';
import { MAX_RESULT_BYTES, parseTemplateParams, releaseTemplateOutput, templateByHash, TemplateOutputError, TemplateParamsError, type Template } from '../templates';
import { JobFailure } from './failure';

/** A template job, checked: the template and the parameters it runs with (the dataset's k enforced). */
export interface TemplateRun {
  template: Template;
  params: unknown;
  /** The least rows behind a released group. */
  minGroupSize: number;
}

/** The file a template writes its result to, and the only one released. */
export const RESULT_FILE = 'result.json';

/**
 * The template run `job` asks for, checked against the dataset's policy, schema and the chain's budget; undefined
 * for a free-form algorithm where the policy allows one. Throws JobFailure for anything refused.
 */
export async function checkTemplateJob(market: Market, job: Job, document: DatasetDocument, rawParams: unknown): Promise<TemplateRun | undefined> {
  const template = templateByHash(job.algorithmHash);
  if (!template) {
    if (policyOf(document) === 'templates') throw new JobFailure('template-required');
    return undefined;
  }
  // Undeclared, a train job would run on data whose licence forbids AI training.
  if (template.name === 'train' && !job.aiTraining) throw new JobFailure('template-params', 'a train job trains a model: its request must declare AI training');
  let params: unknown;
  try {
    params = parseTemplateParams(template, rawParams);
  } catch (error) {
    if (error instanceof TemplateParamsError) throw new JobFailure('template-params', error.message);
    throw error;
  }
  if (document.columns) {
    const published = new Set(document.columns.map((column) => column.name));
    const unknown = template.columnsOf(params).filter((column) => !published.has(column));
    if (unknown.length > 0) throw new JobFailure('template-params', `the parameters name columns the dataset does not publish: ${unknown.join(', ')}`);
  }
  const declared = toMicroEpsilon(template.epsilonOf(params));
  if (declared !== job.epsilon) throw new JobFailure('budget-mismatch', `the parameters spend ε ${template.epsilonOf(params)} (${declared} millionths) but the job reserved ${job.epsilon} millionths`);
  const budget = await market.publicClient.readContract({ ...contractsOf(market.deployments).computeMarket, functionName: 'releaseBudget', args: [job.datasetId] });
  if (requiresNoise(budget) && !template.noisy(params)) throw new JobFailure('budget-mismatch', 'the dataset’s owner set a privacy budget: ask for noise (noise, epsilon)');
  const minGroupSize = Math.max(document.compute?.outputGuard.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE, 1);
  // The template suppresses small groups (and a forest's small leaves) itself too: it runs with the dataset's k
  // when the buyer asked for less.
  for (const key of ['minGroupSize', 'minSamplesLeaf']) {
    const given = (params as Record<string, unknown>)[key];
    if (typeof given === 'number') params = { ...(params as object), [key]: Math.max(given, minGroupSize) };
  }
  return { template, params, minGroupSize };
}

/**
 * Releases a finished template run: reads its one result.json from `outputs` and writes the released result to
 * `releaseDir`. Throws JobFailure('template-error') when the template wrote anything else or a result of another
 * shape (a model under `evaluate` runs the buyer's code, which may try).
 */
export async function releaseTemplateRun(run: TemplateRun, outputs: string, releaseDir: string): Promise<void> {
  const written = await readdir(outputs);
  if (written.length !== 1 || written[0] !== RESULT_FILE) throw new JobFailure('template-error', `the template must write only ${RESULT_FILE}; it wrote ${written.length} entries`);
  const file = path.join(outputs, RESULT_FILE);
  const raw = await readFile(file, { encoding: 'utf8', flag: 'r' }).catch(() => undefined);
  if (raw === undefined || Buffer.byteLength(raw) > MAX_RESULT_BYTES) throw new JobFailure('template-error', `${RESULT_FILE} is unreadable or over ${MAX_RESULT_BYTES} bytes`);
  try {
    const released = releaseTemplateOutput(run.template, run.params, raw, { minGroupSize: run.minGroupSize });
    await writeFile(path.join(releaseDir, RESULT_FILE), released.json);
  } catch (error) {
    if (error instanceof TemplateOutputError || error instanceof TemplateParamsError) throw new JobFailure('template-error', error.message);
    throw error;
  }
}
