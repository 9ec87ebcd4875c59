/**
 * The job form's choice as data, apart from its looks: the datasets picked (one, or several run as one job on one
 * provider), what runs on them as their owners' policies allow it (the strictest wins), the problems of the form in
 * words, and the choice as the SDK's request action takes it.
 */
import { MAX_RUN_DATASETS, type RunChoice } from '@/lib/compute/buyer/quote';
import { MAX_ALGORITHM_BYTES, runtimeOf } from '@/lib/compute/algorithm';
import { ALGORITHM_POLICIES, policyOf, templateEpsilon, type AlgorithmPolicy } from '@/lib/compute/policy';
import type { DatasetDocument } from '@/lib/metadata';
import { toMicroEpsilon } from '@/lib/privacy';
import type { TemplateFormValue } from './template-fields';
import { templateParams, templateProblems, type Column } from './template-params';

/** ComputeMarket keeps maxMinutes in a uint32. */
const MAX_MINUTES = 2 ** 32 - 1;

export type Kind = 'template' | 'algorithm';

export interface Form {
  /** The datasets picked, in the order they were added. */
  datasetIds: string[];
  /** What runs: null until the buyer picks, and then the datasets' policies pick (a template where only templates run). */
  kind: Kind | null;
  file: File | null;
  params: string;
  templated: TemplateFormValue;
  /** `providerId:environment`. */
  environment: string;
  minutes: string;
  aiTraining: boolean;
}

export type Problems = Partial<Record<'datasetId' | 'kind' | 'file' | 'params' | 'template' | 'model' | 'environment' | 'minutes', string>>;

const ID = /^[1-9]\d{0,19}$/;

/** The dataset ids a link names (`?dataset=3` or `?dataset=3,10`): the valid ones, each once, as many as a job takes. */
export function linkedDatasets(value: string): string[] {
  return [...new Set(value.split(',').map((part) => part.trim()))].filter((id) => ID.test(id)).slice(0, MAX_RUN_DATASETS);
}

/** The datasets a policy runs the job on, in order, as the form holds them: null while none (or an invalid one) is chosen. */
export function chosenDatasets(form: Pick<Form, 'datasetIds'>): string[] | null {
  return form.datasetIds.length > 0 && form.datasetIds.length <= MAX_RUN_DATASETS && form.datasetIds.every((id) => ID.test(id)) ? form.datasetIds : null;
}

/** What may run on all of `documents`: the strictest of their owners' policies (templates, then approved code, then any). */
export function strictestPolicy(documents: readonly Pick<DatasetDocument, 'compute'>[]): AlgorithmPolicy {
  return ALGORITHM_POLICIES.find((policy) => documents.some((document) => policyOf(document) === policy)) ?? 'any';
}

/** The columns a template's parameters may name: those every dataset publishing a schema has (in the first's order). */
export function sharedColumns(documents: readonly Pick<DatasetDocument, 'columns'>[]): Column[] {
  const schemas = documents.flatMap((document) => (document.columns ? [document.columns] : []));
  const [first = [], ...others] = schemas;
  return first.filter((column) => others.every((columns) => columns.some((c) => c.name === column.name)));
}

/** A template's parameters as the form makes them (the JSON box wins over the fields), or why they are not JSON. */
function templateInput({ template, fields, raw }: TemplateFormValue): { params: unknown } | { notJson: string } {
  if (raw === null) return { params: template ? templateParams(template, fields) : {} };
  try {
    return { params: JSON.parse(raw) as unknown };
  } catch (error) {
    return { notJson: `Not JSON: ${(error as Error).message}` };
  }
}

/** The problems of the form, with each of the template's parameters in its schema's words. */
export function problemsOf(form: Form): { problems: Problems; templateIssues: string[] } {
  const problems: Problems = {};
  let templateIssues: string[] = [];
  if (form.datasetIds.length > MAX_RUN_DATASETS) problems.datasetId = `A job runs on at most ${MAX_RUN_DATASETS} datasets: remove ${form.datasetIds.length - MAX_RUN_DATASETS}.`;
  else if (!chosenDatasets(form)) problems.datasetId = 'Choose a dataset.';
  if (form.kind === null) problems.kind = 'Wait for the datasets’ compute policies.';
  if (form.kind === 'algorithm') {
    if (!form.file) problems.file = 'Choose the algorithm file.';
    else if (!runtimeOf(form.file.name)) problems.file = 'Providers run Python (.py) and Node.js (.js, .mjs, .cjs) files only.';
    else if (form.file.size > MAX_ALGORITHM_BYTES) problems.file = `Providers accept algorithms up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
    if (form.params.trim()) {
      try {
        JSON.parse(form.params);
      } catch (error) {
        problems.params = `Not JSON: ${(error as Error).message}`;
      }
    }
  }
  if (form.kind === 'template') {
    const { template, model } = form.templated;
    const input = templateInput(form.templated);
    if (!template) problems.template = 'Choose a template.';
    else if ('notJson' in input) templateIssues = [input.notJson];
    else templateIssues = templateProblems(template, input.params);
    if (templateIssues.length > 0) problems.template = 'The template’s parameters are not ones it takes: see above.';
    if (template === 'evaluate' && !model) problems.model = 'Choose the model file to evaluate.';
    else if (template === 'evaluate' && model && model.size > MAX_ALGORITHM_BYTES) problems.model = `Providers accept models up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
  }
  if (!form.environment) problems.environment = 'Choose where the job runs.';
  const minutes = Number(form.minutes);
  if (!/^\d+$/.test(form.minutes) || minutes < 1 || minutes > MAX_MINUTES) problems.minutes = 'Give a whole number of minutes, at least 1.';
  return { problems, templateIssues };
}

/** The parameters the job sends: the template's, or the algorithm's JSON. Only once problemsOf finds none. */
export function paramsOf(form: Form): unknown {
  if (form.kind === 'template') return (templateInput(form.templated) as { params: unknown }).params;
  return form.params.trim() ? (JSON.parse(form.params) as unknown) : {};
}

/** The form's choice as the chain takes it, or null while a part of it is missing or invalid; a template job reserves its ε. */
export function choiceOf(form: Form, problems: Problems): RunChoice | null {
  if (problems.datasetId || problems.environment || problems.minutes || problems.kind) return null;
  const [providerId, environment] = form.environment.split(':');
  const base = { datasetIds: form.datasetIds.map(BigInt), providerId: BigInt(providerId!), environment: Number(environment), maxMinutes: Number(form.minutes), aiTraining: form.aiTraining };
  if (form.kind !== 'template' || problems.template) return base;
  return { ...base, epsilon: toMicroEpsilon(templateEpsilon(paramsOf(form))) };
}
