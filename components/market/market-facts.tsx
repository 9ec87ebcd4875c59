import { formatBps, formatCount } from './format';
import type { MarketFacts as Facts } from '@/lib/web/queries/market';

interface Stat {
  label: string;
  value: string;
  note: string;
  /** Spans the row on two-column phones instead of sitting alone. */
  wide?: boolean;
}

/** The market's live numbers, network and contract addresses, as read from the chain for this request. */
export function MarketFacts({ facts }: { facts: Facts }) {
  const stats: Stat[] = [
    { label: 'Datasets', value: formatCount(facts.datasets), note: 'published in the registry' },
    { label: 'Licence terms', value: formatCount(facts.licenceTerms), note: 'price and usage offers' },
    { label: 'Compute providers', value: formatCount(facts.providers), note: 'run jobs next to the data' },
    { label: 'Compute jobs', value: formatCount(facts.computeJobs), note: 'requested so far' },
    {
      label: 'Market fee',
      wide: true,
      value: formatBps(facts.licenceFeeBps),
      note:
        facts.computeFeeBps === facts.licenceFeeBps
          ? 'on licence sales and compute jobs'
          : `on licence sales · ${formatBps(facts.computeFeeBps)} on compute jobs`,
    },
  ];
  const contracts = [
    { name: 'DatasetRegistry', address: facts.contracts.datasetRegistry },
    { name: 'Marketplace', address: facts.contracts.marketplace },
    { name: 'ComputeMarket', address: facts.contracts.computeMarket },
    { name: `${facts.stablecoin.symbol} (stablecoin)`, address: facts.stablecoin.address },
  ];

  return (
    <div className="space-y-6">
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-3 lg:grid-cols-5">
        {stats.map((stat) => (
          <div
            key={stat.label}
            className={`rounded-xl border border-line bg-surface p-5 shadow-sm ${stat.wide ? 'col-span-2 md:col-span-1' : ''}`}
          >
            <dt className="text-sm font-medium text-muted">{stat.label}</dt>
            <dd className="mt-2 text-3xl font-semibold tracking-tight tabular-nums">{stat.value}</dd>
            <dd className="mt-1 text-xs text-muted">{stat.note}</dd>
          </div>
        ))}
      </dl>

      <div className="grid gap-4 lg:grid-cols-5">
        <section aria-labelledby="network-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm lg:col-span-2">
          <h3 id="network-title" className="font-semibold">
            Network
          </h3>
          <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-6 gap-y-3 text-sm">
            <dt className="text-muted">Chain</dt>
            <dd>
              {facts.chainName} <span className="text-muted">· id {facts.chainId}</span>
            </dd>
            <dt className="text-muted">Latest block</dt>
            <dd className="tabular-nums">{facts.blockNumber.toString()}</dd>
            <dt className="text-muted">Stablecoin</dt>
            <dd>
              {facts.stablecoin.symbol}
              {facts.stablecoin.mock && (
                <span className="ml-2 rounded-full bg-brand-soft px-2 py-0.5 text-xs font-medium text-ink">test token</span>
              )}
            </dd>
            <dt className="text-muted">RPC</dt>
            <dd className="font-mono text-xs break-all">{facts.rpcUrl}</dd>
            <dt className="text-muted">Read at</dt>
            <dd>
              <time dateTime={facts.readAt.toISOString()}>{facts.readAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</time>
            </dd>
          </dl>
        </section>

        <section aria-labelledby="contracts-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm lg:col-span-3">
          <h3 id="contracts-title" className="font-semibold">
            Contracts
          </h3>
          <dl className="mt-4 space-y-3 text-sm">
            {contracts.map((contract) => (
              <div key={contract.name} className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:justify-between sm:gap-4">
                <dt className="text-muted">{contract.name}</dt>
                <dd>
                  <code className="font-mono text-xs break-all">{contract.address}</code>
                </dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
    </div>
  );
}
