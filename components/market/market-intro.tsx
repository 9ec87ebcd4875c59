import type { MarketSnapshot } from '@/lib/web/queries/market';

/** The landing page's opening: what Datagora is, and whether the market is live right now. */
export function MarketIntro({ snapshot }: { snapshot: MarketSnapshot }) {
  return (
    <section aria-labelledby="intro-title" className="relative overflow-hidden border-b border-line bg-surface">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_30rem_at_85%_-10%,var(--brand-soft),transparent)]"
      />
      <div className="relative mx-auto max-w-6xl px-4 py-4 sm:px-6 sm:py-24">
        <StatusPill snapshot={snapshot} />
        <h1 id="intro-title" className="mt-3 max-w-3xl text-2xl font-semibold tracking-tight text-balance sm:mt-6 sm:text-5xl">
          Data with a licence. Compute without the copy.
        </h1>
        {/* A phone keeps the title and goes straight to the catalogue; "What Datagora offers" says the rest below. */}
        <p className="mt-6 hidden max-w-2xl text-lg leading-relaxed text-muted sm:block">
          Datagora is a decentralized data marketplace. Owners publish encrypted datasets with licence terms enforced by
          smart contracts; AI builders buy a licence to download the data or pay for a compute-to-data job that runs
          next to it; everyone can see, on-chain, what the market is worth.
        </p>
        <div className="mt-8 hidden flex-wrap gap-3 sm:flex">
          <a
            href="#datasets"
            className="rounded-lg bg-brand px-5 py-2.5 text-sm font-semibold text-brand-ink shadow-sm transition hover:opacity-90"
          >
            Browse the datasets
          </a>
          <a
            href="#market"
            className="rounded-lg border border-line bg-surface px-5 py-2.5 text-sm font-semibold text-ink transition hover:bg-brand-soft"
          >
            See the live market
          </a>
          <a
            href="#audiences"
            className="rounded-lg border border-line bg-surface px-5 py-2.5 text-sm font-semibold text-ink transition hover:bg-brand-soft"
          >
            How it works for you
          </a>
        </div>
      </div>
    </section>
  );
}

function StatusPill({ snapshot }: { snapshot: MarketSnapshot }) {
  const live = snapshot.available;
  return (
    <p className="inline-flex items-center gap-2 rounded-full border border-line bg-background px-3 py-1 text-sm text-muted">
      <span aria-hidden="true" className={`size-2 rounded-full ${live ? 'bg-ok' : 'bg-warn'}`} />
      {live ? (
        <span>
          Live on {snapshot.chainName} (chain {snapshot.chainId}) · block {snapshot.blockNumber.toString()}
        </span>
      ) : (
        <span>Market offline right now</span>
      )}
    </p>
  );
}
