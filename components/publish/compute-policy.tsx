/**
 * The wizard's compute policy: which algorithms may run on the data, in the words the CLI prints
 * (POLICY_WORDS), and what jobs may release — for templates the least rows behind a group and a privacy budget ε,
 * for any algorithm a byte budget. Compute-only data defaults to templates, other data to any algorithm.
 */
import { ALGORITHM_POLICIES, chosenComputePolicy, DEFAULT_JOB_RELEASE_BYTES, DEFAULT_MIN_GROUP_SIZE, POLICY_WORDS, type AlgorithmPolicy, type ReleaseLimits } from '@/lib/compute/policy';
import type { ComputePolicy } from '@/lib/metadata';
import { Field, INPUT } from './field';

/** The fields as typed; empty optional limits are none. */
export interface PolicyForm {
  /** Null until the owner picks one: the default for the licence. */
  algorithms: AlgorithmPolicy | null;
  minGroupSize: string;
  epsilonPerBuyer: string;
  epsilonTotal: string;
  releaseKb: string;
  buyerReleaseKb: string;
}

export const INITIAL_POLICY: PolicyForm = { algorithms: null, minGroupSize: String(DEFAULT_MIN_GROUP_SIZE), epsilonPerBuyer: '', epsilonTotal: '', releaseKb: String(DEFAULT_JOB_RELEASE_BYTES / 1024), buyerReleaseKb: '' };

/** The largest ε the CLI takes too: far past any meaningful guarantee. */
const MAX_EPSILON = 1000;
const MAX_GROUP_SIZE = 1_000_000;
/** ComputeMarket's cap on what one job may release (ReleaseBudgets.MAX_JOB_BYTES), in kB. */
const MAX_KB = 2 ** 30;

/** The policy the form stands for: the owner's pick, else the default for the licence. */
export function chosenPolicy(form: PolicyForm, computeOnly: boolean): AlgorithmPolicy {
  return form.algorithms ?? (computeOnly ? 'templates' : 'any');
}

const epsilonOf = (text: string) => (text.trim() === '' ? undefined : Number(text));
const kbOf = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** The problems of the policy's fields, keyed by field id; empty when the step may go on. */
export function policyProblems(form: PolicyForm, computeOnly: boolean): Record<string, string> {
  const problems: Record<string, string> = {};
  const policy = chosenPolicy(form, computeOnly);
  if (policy === 'templates') {
    const k = Number(form.minGroupSize);
    if (!/^\d+$/.test(form.minGroupSize.trim()) || k < 2 || k > MAX_GROUP_SIZE) problems.minGroupSize = `A whole number of rows from 2 to ${MAX_GROUP_SIZE.toLocaleString('en-US')}.`;
    for (const field of ['epsilonPerBuyer', 'epsilonTotal'] as const) {
      const text = form[field].trim();
      if (text !== '' && (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0) || Number(text) > MAX_EPSILON)) problems[field] = `A positive number up to ${MAX_EPSILON}, e.g. 1 or 0.5; empty for no budget.`;
    }
  }
  if (policy === 'any') {
    for (const field of ['releaseKb', 'buyerReleaseKb'] as const) {
      const text = form[field].trim();
      if (text === '' && field === 'buyerReleaseKb') continue;
      if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_KB) problems[field] = field === 'releaseKb' ? 'A whole number of kB, at least 1.' : 'A whole number of kB, at least 1; empty for no limit.';
    }
  }
  return problems;
}

/** What the publish action takes: the policy (undefined for compute-only data's default) and the release limits. */
export function publishPolicy(form: PolicyForm, computeOnly: boolean): { compute?: ComputePolicy; release: ReleaseLimits } {
  const algorithms = chosenPolicy(form, computeOnly);
  if (algorithms === 'templates') {
    const compute = chosenComputePolicy(computeOnly, { algorithms, minGroupSize: Number(form.minGroupSize) });
    const limits = { epsilonPerBuyer: epsilonOf(form.epsilonPerBuyer), epsilonTotal: epsilonOf(form.epsilonTotal) };
    return { compute, release: Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) };
  }
  const compute = chosenComputePolicy(computeOnly, { algorithms });
  if (algorithms === 'approved') return { compute, release: {} };
  const perBuyer = kbOf(form.buyerReleaseKb);
  return { compute, release: { bytesPerJob: Number(form.releaseKb) * 1024, ...(perBuyer === undefined ? {} : { bytesPerBuyer: perBuyer * 1024 }) } };
}

/** The policy and its limits in one line, for the review before publishing. */
export function policySummary(form: PolicyForm, computeOnly: boolean): string {
  const policy = chosenPolicy(form, computeOnly);
  const epsilon = [form.epsilonPerBuyer.trim() && `ε ${form.epsilonPerBuyer.trim()} per buyer`, form.epsilonTotal.trim() && `ε ${form.epsilonTotal.trim()} in total`].filter(Boolean);
  const limits =
    policy === 'templates'
      ? [`groups of at least ${form.minGroupSize.trim()} rows`, ...(epsilon.length > 0 ? epsilon : ['no privacy budget'])]
      : policy === 'any'
        ? [`${form.releaseKb.trim()} kB released per job`, form.buyerReleaseKb.trim() ? `${form.buyerReleaseKb.trim()} kB per buyer` : 'no limit per buyer']
        : [];
  return [`Compute policy: ${POLICY_WORDS[policy].title}`, ...limits].join(' · ');
}

export interface PolicyFieldsProps {
  form: PolicyForm;
  computeOnly: boolean;
  problems: Record<string, string>;
  onChange: (form: PolicyForm) => void;
}

export function PolicyFields({ form, computeOnly, problems, onChange }: PolicyFieldsProps) {
  const policy = chosenPolicy(form, computeOnly);
  const set = (field: Exclude<keyof PolicyForm, 'algorithms'>) => (event: { target: { value: string } }) => onChange({ ...form, [field]: event.target.value });
  return (
    <div className="space-y-4">
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">What compute jobs may run on this dataset</legend>
        {ALGORITHM_POLICIES.map((name) => (
          <div key={name} className="rounded-lg border border-line p-3">
            <label className="flex items-center gap-2 text-sm font-medium">
              <input type="radio" name="policy" value={name} checked={policy === name} onChange={() => onChange({ ...form, algorithms: name })} aria-describedby={`policy-${name}`} className="accent-brand" />
              {POLICY_WORDS[name].title}
              {name === (computeOnly ? 'templates' : 'any') && <span className="font-normal text-muted">(default{computeOnly ? ' for compute-only data' : ''})</span>}
            </label>
            <p id={`policy-${name}`} className="mt-1 pl-6 text-sm text-muted">
              {POLICY_WORDS[name].consequence}
            </p>
          </div>
        ))}
      </fieldset>
      {policy === 'templates' && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Minimum group size (rows)" id="minGroupSize" problem={problems.minGroupSize} hint="Groups built from fewer rows are suppressed.">
            <input id="minGroupSize" type="number" min={2} className={INPUT} value={form.minGroupSize} onChange={set('minGroupSize')} />
          </Field>
          <Field label="Privacy budget ε per buyer" id="epsilonPerBuyer" problem={problems.epsilonPerBuyer} hint="Optional. With a budget every result carries calibrated noise; smaller ε, more noise.">
            <input id="epsilonPerBuyer" inputMode="decimal" className={INPUT} value={form.epsilonPerBuyer} onChange={set('epsilonPerBuyer')} />
          </Field>
          <Field label="Privacy budget ε in total" id="epsilonTotal" problem={problems.epsilonTotal} hint="Optional. What all buyers together may spend.">
            <input id="epsilonTotal" inputMode="decimal" className={INPUT} value={form.epsilonTotal} onChange={set('epsilonTotal')} />
          </Field>
        </div>
      )}
      {policy === 'any' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Most a job may release (kB)" id="releaseKb" problem={problems.releaseKb} hint="Results and logs together; an algorithm written to leak can release up to this much of your data.">
            <input id="releaseKb" type="number" min={1} className={INPUT} value={form.releaseKb} onChange={set('releaseKb')} />
          </Field>
          <Field label="Most a buyer may release in all (kB)" id="buyerReleaseKb" problem={problems.buyerReleaseKb} hint="Optional: across all of one buyer’s jobs.">
            <input id="buyerReleaseKb" type="number" min={1} className={INPUT} value={form.buyerReleaseKb} onChange={set('buyerReleaseKb')} />
          </Field>
        </div>
      )}
    </div>
  );
}
