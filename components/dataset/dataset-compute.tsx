import Link from 'next/link';
import { ReadFailure } from '@/components/layout/read-failure';
import type { ComputePolicy } from '@/lib/metadata';
import { formatBytes } from '@/lib/units';
import type { ProviderView, Providers } from '@/lib/web/queries/dataset';
import { Section } from './section';

/** Which algorithms may run and, for compute-only data, what the output guard lets out. */
function policyLines(policy: ComputePolicy | undefined, computeOnly: boolean): string[] {
  const approved = policy?.algorithms === 'approved';
  const algorithms = approved ? 'Only algorithms the owner has approved run; others wait in the queue for approval.' : 'Any algorithm may run.';
  // The output guard filters results of compute-only data only: a licence holder could download the rest.
  if (!computeOnly) return [algorithms];
  if (!policy) return [algorithms, 'Results pass the provider’s default output guard before they are released.'];
  const guard = policy.outputGuard;
  const checks = [
    `Results are capped at ${formatBytes(guard.maxOutputBytes)}`,
    ...(guard.leakDetection ? ['checked for copies of the raw data'] : []),
    ...(guard.minGroupSize ? [`and must aggregate at least ${guard.minGroupSize} rows per group`] : []),
  ];
  return [algorithms, `${checks.join(', ')}.`];
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
      intro={`Nodes the owner allows to run your algorithm next to this data: each decrypts it inside its sandbox for a job. A job costs the dataset’s ${computePrice} plus the minutes it may use at the environment’s price; unused minutes are refunded.`}
    >
      {providers.available ? (
        <>
          <p className="mb-4 text-sm font-medium">{allowanceLine(providers.providers.length)}</p>
          {providers.providers.length > 0 ? (
            <ul aria-label="Allowed providers" className="grid gap-3 md:grid-cols-2">
              {providers.providers.map((provider) => (
                <ProviderCard key={provider.id} provider={provider} />
              ))}
            </ul>
          ) : null}
          <ul className="mt-4 space-y-1 text-sm text-muted">
            {policyLines(providers.policy, computeOnly).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
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
