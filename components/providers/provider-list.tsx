import { amountValue, formatCount, formatHours, formatRate, money, plural } from '@/components/analytics/format';
import type { ProviderRow } from '@/lib/indexer/api';
import type { EnvironmentView, Providers, ProviderView } from '@/lib/web/queries/providers';

type Listed = Extract<Providers, { available: true }>;

const chip = 'rounded-full border px-2 py-0.5 text-xs font-medium';

function Environment({ env, index }: { env: EnvironmentView; index: number }) {
  const hardware = env.kind === 'GPU' ? `${env.gpus} × ${env.gpuModel || 'GPU'}` : 'CPU only';
  return (
    <li className="rounded-lg border border-line p-4">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h4 className="font-medium">
          <span className="text-muted">Environment {index} ·</span> {hardware}
        </h4>
        <p className="font-semibold tabular-nums">
          {env.pricePerMinute} <span className="font-normal text-muted">per minute</span>
        </p>
      </div>
      <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-muted">Kind</dt>
          <dd>{env.kind}</dd>
        </div>
        <div>
          <dt className="text-muted">CPUs</dt>
          <dd className="tabular-nums">{formatCount(env.cpus)}</dd>
        </div>
        <div>
          <dt className="text-muted">Memory</dt>
          <dd className="tabular-nums">{formatCount(env.memoryMb)} MB</dd>
        </div>
        <div>
          <dt className="text-muted">GPUs</dt>
          <dd className="tabular-nums">{env.gpus === 0 ? 'none' : `${formatCount(env.gpus)} × ${env.gpuModel || 'unnamed model'}`}</dd>
        </div>
      </dl>
    </li>
  );
}

/** What the indexer counted for the node: jobs, success, utilization, earnings. */
function TrackRecord({ record, symbol }: { record: ProviderRow; symbol: string }) {
  const stats = [
    {
      label: 'Jobs',
      value: formatCount(record.jobs),
      note: `${formatCount(record.delivered)} delivered · ${formatCount(record.failed)} failed · ${formatCount(record.cancelled)} cancelled`,
    },
    { label: 'Success rate', value: formatRate(record.successRate), note: record.successRate === null ? 'no closed job yet' : 'delivered out of closed jobs' },
    {
      label: 'Utilization',
      value: formatRate(record.utilization),
      note: `${formatHours(record.computeMinutes)} used of ${formatHours(record.bookedMinutes)} booked`,
    },
    { label: 'Earnings', value: money(symbol)(amountValue(record.earnings)), note: 'from settled jobs' },
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      {stats.map((stat) => (
        <div key={stat.label} className="rounded-lg bg-background p-3">
          <dt className="text-xs font-medium text-muted">{stat.label}</dt>
          <dd className="mt-1 text-xl font-semibold tracking-tight tabular-nums">{stat.value}</dd>
          <dd className="mt-0.5 text-xs text-muted">{stat.note}</dd>
        </div>
      ))}
    </dl>
  );
}

function ProviderCard({ provider, symbol }: { provider: ProviderView; symbol: string | null }) {
  const titleId = `provider-${provider.id}-title`;
  const addresses = [['Endpoint', provider.endpoint], ['Owner', provider.owner], ...(provider.signer ? [['Node key', provider.signer]] : [])];
  return (
    <li id={`provider-${provider.id}`} className="scroll-mt-8">
      <article aria-labelledby={titleId} className="space-y-5 rounded-xl border border-line bg-surface p-5 shadow-sm">
        <div className="flex flex-wrap items-center gap-3">
          <h2 id={titleId} className="text-lg font-semibold">
            Provider {provider.id}
          </h2>
          {provider.active ? <span className={`${chip} border-ok/40 text-ok`}>Active</span> : <span className={`${chip} border-line text-muted`}>Retired</span>}
        </div>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
          {addresses.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-muted">{label}</dt>
              <dd className="font-mono text-xs break-all sm:text-sm">{value}</dd>
            </div>
          ))}
        </dl>
        <div className="space-y-3">
          <h3 className="text-sm font-semibold">Environments</h3>
          {provider.environments === null ? (
            <p className="text-sm text-muted">Not known while the chain is not answering.</p>
          ) : provider.environments.length === 0 ? (
            <p className="text-sm text-muted">None registered.</p>
          ) : (
            <ul className="space-y-3">
              {provider.environments.map((env, i) => (
                <Environment key={i} env={env} index={i} />
              ))}
            </ul>
          )}
        </div>
        <div className="space-y-3">
          <h3 className="text-sm font-semibold">Track record</h3>
          {provider.record === null || symbol === null ? (
            <p className="text-sm text-muted">Not known while the indexer is not answering.</p>
          ) : (
            <TrackRecord record={provider.record} symbol={symbol} />
          )}
        </div>
      </article>
    </li>
  );
}

/** The registered compute providers, each with its environments and prices, and its track record. */
export function ProviderList({ listed }: { listed: Listed }) {
  const { providers, chainFailure, indexerFailure, symbol } = listed;
  const active = providers.filter((p) => p.active).length;
  return (
    <div className="space-y-6">
      {[
        chainFailure && `The chain is not answering (${chainFailure.message}), so environments and prices are missing.`,
        indexerFailure && `The indexer is not answering (${indexerFailure.message}), so track records are missing.`,
      ]
        .filter(Boolean)
        .map((note) => (
          <p key={note} role="status" className="rounded-xl border border-warn/40 bg-warn-soft p-4 text-sm">
            {note}
          </p>
        ))}
      {providers.length === 0 ? (
        <div className="rounded-xl border border-dashed border-line p-8 text-center">
          <p className="font-medium">No compute provider is registered yet.</p>
          <p className="mt-2 text-sm text-muted">
            An operator registers a node with <code className="rounded bg-surface px-1 py-0.5 font-mono text-xs">datagora provider --account N</code>; it shows
            here once the registration is on-chain.
          </p>
        </div>
      ) : (
        <>
          <p className="text-sm text-muted">
            {plural(providers.length, 'provider')}, {formatCount(active)} active.
          </p>
          <ul className="space-y-6">
            {providers.map((provider) => (
              <ProviderCard key={provider.id} provider={provider} symbol={symbol} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
