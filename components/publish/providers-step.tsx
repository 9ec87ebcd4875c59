/**
 * The wizard's Compute step, its providers: which compute providers may run jobs on the dataset. Each active provider with
 * its record, environments and prices, and a checkbox; none is ticked until the owner chooses, since an allowed
 * provider's node sees the plaintext.
 */
import Link from 'next/link';
import { formatCount, formatRate, plural } from '@/components/analytics/format';
import { ReadFailure } from '@/components/layout/read-failure';
import type { EnvironmentView } from '@/lib/web/queries/providers';
import type { JobRecord, ProviderChoice, ProviderChoices } from './provider-choices';

function recordText(record: JobRecord | null): string {
  if (record === null) return 'Record unknown';
  if (record.jobs === 0) return 'No jobs yet';
  const closed = record.successRate === null ? 'none finished yet' : `${formatRate(record.successRate)} succeeded (${formatCount(record.delivered)} delivered, ${formatCount(record.failed)} failed)`;
  return `${plural(record.jobs, 'job')} run · ${closed}`;
}

function environmentText(env: EnvironmentView): string {
  const hardware = env.kind === 'GPU' ? `GPU: ${formatCount(env.gpus)} × ${env.gpuModel || 'GPU'}, ` : 'CPU: ';
  return `${hardware}${formatCount(env.cpus)} CPUs, ${formatCount(env.memoryMb)} MB memory`;
}

function ProviderOption({ provider, checked, onToggle }: { provider: ProviderChoice; checked: boolean; onToggle: (checked: boolean) => void }) {
  const factsId = `provider-${provider.id}-facts`;
  return (
    <li className="rounded-lg border border-line p-4">
      <label className="flex items-center gap-2 text-sm font-medium">
        <input type="checkbox" checked={checked} onChange={(event) => onToggle(event.target.checked)} aria-describedby={factsId} className="accent-brand" />
        Provider #{provider.id}
      </label>
      <div id={factsId} className="mt-2 space-y-1 pl-6 text-sm">
        <p className="font-mono text-xs break-all text-muted">{provider.endpoint}</p>
        <p>{recordText(provider.record)}</p>
        {provider.environments === null ? (
          <p className="text-muted">Environments unknown</p>
        ) : (
          <ul className="space-y-0.5">
            {provider.environments.map((env, i) => (
              <li key={i} className="flex flex-wrap justify-between gap-x-3">
                <span>{environmentText(env)}</span>
                <span className="font-medium tabular-nums">{env.pricePerMinute} / min</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}

export interface ProvidersStepProps {
  choices: ProviderChoices;
  /** The ids of the providers ticked. */
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  /** The dataset takes compute jobs (compute-only, or a compute price above 0). */
  computeEnabled: boolean;
}

export function ProvidersStep({ choices, selected, onChange, computeEnabled }: ProvidersStepProps) {
  if (!computeEnabled) {
    return <p className="text-sm text-muted">With no compute price this dataset takes no compute jobs, so no provider needs to see it: it is sold for download only. Set a compute price in the previous step to offer jobs.</p>;
  }
  const toggle = (id: string, checked: boolean) => onChange(checked ? [...selected, id] : selected.filter((s) => s !== id));
  return (
    <fieldset className="space-y-4">
      <legend className="text-sm font-medium">Compute providers allowed to run jobs on this dataset</legend>
      <div className="space-y-2 rounded-lg bg-brand-soft p-3 text-sm">
        <p>
          <strong>An allowed provider sees your data.</strong> To run a job, its node decrypts the dataset inside its sandbox: the provider’s operator runs
          that node, so allow only providers you trust with the plaintext.
        </p>
        <p>
          With none allowed, no compute job can run on this dataset — which is fine for data sold only as downloads. You can allow or withdraw providers
          later on{' '}
          <Link href="/my-datasets" className="font-medium text-brand underline-offset-4 hover:underline">
            My datasets
          </Link>
          ; a withdrawal takes effect at once.
        </p>
      </div>
      {choices.available ? (
        <>
          {choices.notes.map((note) => (
            <p key={note} role="status" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
              {note}
            </p>
          ))}
          {choices.providers.length === 0 ? (
            <p className="text-sm text-muted">No compute provider is active right now: publish without one, and allow one once it registers.</p>
          ) : (
            <ul className="space-y-3">
              {choices.providers.map((provider) => (
                <ProviderOption key={provider.id} provider={provider} checked={selected.includes(provider.id)} onToggle={(checked) => toggle(provider.id, checked)} />
              ))}
            </ul>
          )}
        </>
      ) : (
        <ReadFailure
          title="The compute providers cannot be read right now"
          body="You can publish without allowing any, and allow them later on My datasets."
          message={choices.message}
          hint={choices.hint}
        />
      )}
    </fieldset>
  );
}
