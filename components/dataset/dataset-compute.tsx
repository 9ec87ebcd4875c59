import Link from 'next/link';
import { ReadFailure } from '@/components/layout/read-failure';
import { policyOf, POLICY_WORDS, type AlgorithmPolicy } from '@/lib/compute/policy';
import { budgetLines, NO_LIMIT } from '@/lib/compute/release-words';
import type { ReleaseLimitsView } from '@/lib/indexer/api';
import type { ComputePolicy } from '@/lib/metadata';
import { formatBytes } from '@/lib/units';
import type { ProviderView, Providers, Templates } from '@/lib/web/queries/dataset';
import { Section } from './section';

/** For compute-only data, what the output guard lets out; nothing for other data. */
function guardLine(policy: ComputePolicy | undefined, computeOnly: boolean): string | null {
  // The output guard filters results of compute-only data only: a licence holder could download the rest.
  if (!computeOnly) return null;
  if (!policy) return 'Results pass the provider’s default output guard before they are released.';
  const guard = policy.outputGuard;
  const checks = [
    `Results are capped at ${formatBytes(guard.maxOutputBytes)}`,
    ...(guard.leakDetection ? ['checked for copies of the raw data'] : []),
    ...(guard.minGroupSize ? [`and must aggregate at least ${guard.minGroupSize} rows per group`] : []),
  ];
  return `${checks.join(', ')}.`;
}

/**
 * The release budget in the desk's words: the ε limits under templates, the byte limits otherwise, and any other
 * limit the owner set.
 */
function budgetRows(policy: AlgorithmPolicy, release: ReleaseLimitsView): { label: string; value: string }[] {
  return budgetLines(release).filter((line) => line.label.startsWith('ε') === (policy === 'templates') || line.value !== NO_LIMIT);
}

/** The policy the owner chose, in the words the wizard and the CLI use, with its release budget and guard. */
function PolicySummary({ policy, release, computeOnly }: { policy: ComputePolicy | undefined; release: ReleaseLimitsView; computeOnly: boolean }) {
  const algorithms = policyOf({ compute: policy });
  const guard = guardLine(policy, computeOnly);
  return (
    <div className="mb-5 space-y-3 rounded-lg bg-brand-soft p-4 text-sm">
      <p className="font-medium">
        Compute policy: {POLICY_WORDS[algorithms].title}
      </p>
      <p>{POLICY_WORDS[algorithms].consequence}</p>
      {guard ? <p>{guard}</p> : null}
      <p id="release-budget" className="font-medium">
        Release budget
      </p>
      <dl aria-labelledby="release-budget" className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        {budgetRows(algorithms, release).map(({ label, value }) => (
          <div key={label} className="contents">
            <dt className="text-muted">{label}</dt>
            <dd className="tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/** The analysis templates the allowed providers run, and which providers could not be asked. */
function TemplateList({ templates, providers }: { templates: Templates; providers: number }) {
  return (
    <div className="mt-4 space-y-2 text-sm">
      <h3 className="font-medium">Analysis templates the allowed providers run</h3>
      {templates.templates.length === 0 ? (
        <p className="text-muted">{templates.unreachable.length > 0 ? 'None is known: no allowed provider answered.' : 'None: the allowed providers list no template.'}</p>
      ) : (
        <ul aria-label="Analysis templates" className="space-y-2">
          {templates.templates.map((template) => (
            <li key={template.hash}>
              <span className="font-medium">{template.name}</span> <span className="text-muted">v{template.version}</span>
              {template.providers.length < providers ? <span className="text-muted"> · on {template.providers.map((id) => `provider #${id}`).join(', ')}</span> : null}
              <p className="text-muted">{template.description}</p>
            </li>
          ))}
        </ul>
      )}
      {templates.unreachable.length > 0 ? (
        <p role="status" className="text-warn">
          {templates.unreachable.map((id) => `Provider #${id}`).join(', ')} did not answer, so {templates.unreachable.length === 1 ? 'its' : 'their'} templates are not listed.
        </p>
      ) : null}
    </div>
  );
}

function ProviderCard({ provider }: { provider: ProviderView }) {
  return (
    <li className="rounded-lg border border-line p-4">
      <p className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
        <span className="font-medium">Provider #{provider.id}</span>
        <code className="font-mono text-xs break-all text-muted">{provider.endpoint}</code>
      </p>
      <ul className="mt-3 space-y-1.5 text-sm">
        {provider.environments.map((env, i) => (
          <li key={i} className="flex flex-wrap items-baseline justify-between gap-x-3">
            <span>{env.label}</span>
            <span className="font-medium tabular-nums">{env.pricePerMinute} / min</span>
          </li>
        ))}
      </ul>
    </li>
  );
}

/** How many providers the owner allows, and what that means. */
function allowanceLine(count: number): string {
  return count === 0 ? 'No provider is allowed yet: compute jobs cannot run.' : `The owner allows ${count} provider${count === 1 ? '' : 's'}.`;
}

/** The nodes the owner allows to run jobs on the dataset, with their environments and prices, and the job policy. */
export function DatasetCompute({ providers, computePrice, computeOnly }: { providers: Providers; computePrice: string; computeOnly: boolean }) {
  if (providers === null) return null;
  return (
    <Section
      id="compute"
      title="Compute providers"
      intro={`Nodes the owner allows to run jobs next to this data (analysis templates, or your own algorithm where the policy allows it): each decrypts it inside its sandbox for a job. A job costs the dataset’s ${computePrice} plus the minutes it may use at the environment’s price; unused minutes are refunded.`}
    >
      {providers.available ? (
        <>
          <PolicySummary policy={providers.policy} release={providers.release} computeOnly={computeOnly} />
          <p className="mb-4 text-sm font-medium">{allowanceLine(providers.providers.length)}</p>
          {providers.providers.length > 0 ? (
            <ul aria-label="Allowed providers" className="grid gap-3 md:grid-cols-2">
              {providers.providers.map((provider) => (
                <ProviderCard key={provider.id} provider={provider} />
              ))}
            </ul>
          ) : null}
          {providers.templates && providers.providers.length > 0 ? <TemplateList templates={providers.templates} providers={providers.providers.length} /> : null}
        </>
      ) : (
        <ReadFailure
          title="The compute providers cannot be read right now"
          body="They are registered on the ComputeMarket contract, which did not answer."
          message={providers.message}
          hint={providers.hint}
        />
      )}
      <p className="mt-4 text-sm">
        <Link href="/providers" className="font-medium text-brand underline-offset-4 hover:underline">
          All compute providers and their track record →
        </Link>
      </p>
    </Section>
  );
}
