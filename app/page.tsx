import { Catalogue } from '@/components/datasets/catalogue';
import { catalogueFilters, readCatalogue } from '@/lib/web/queries/catalogue';
import { Audiences } from '@/components/market/audiences';
import { MarketFacts } from '@/components/market/market-facts';
import { MarketIntro } from '@/components/market/market-intro';
import { MarketUnavailable } from '@/components/market/market-unavailable';
import { readMarket } from '@/lib/web/queries/market';

// Every visit reads the chain: the numbers are live, never prerendered.
export const dynamic = 'force-dynamic';

export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const filters = catalogueFilters(await searchParams);
  const [snapshot, catalogue] = await Promise.all([readMarket(), readCatalogue(filters)]);
  return (
    <>
      <MarketIntro snapshot={snapshot} />
      {/* The catalogue comes first: on a phone its search and first datasets are on the first screen. */}
      <div className="mx-auto max-w-6xl space-y-16 px-4 pt-5 sm:space-y-20 sm:px-6 sm:pt-12">
        <section id="datasets" aria-labelledby="datasets-title" className="scroll-mt-8">
          <h2 id="datasets-title" className="mb-3 text-2xl font-semibold tracking-tight sm:mb-0">
            Datasets
          </h2>
          {/* A phone skips this line so that its first screen reaches the first datasets. */}
          <p className="mt-2 mb-6 hidden text-muted sm:block">Encrypted on IPFS; each description signed by its owner and anchored on-chain.</p>
          <Catalogue catalogue={catalogue} filters={filters} />
        </section>
        <section id="market" aria-labelledby="market-title" className="scroll-mt-8">
          <h2 id="market-title" className="text-2xl font-semibold tracking-tight">
            The market right now
          </h2>
          <p className="mt-2 mb-6 text-muted">Read from the chain for this page view.</p>
          {snapshot.available ? <MarketFacts facts={snapshot} /> : <MarketUnavailable status={snapshot} />}
        </section>
        <section id="audiences" aria-labelledby="audiences-title" className="scroll-mt-8">
          <h2 id="audiences-title" className="text-2xl font-semibold tracking-tight">
            What Datagora offers
          </h2>
          <p className="mt-2 mb-6 max-w-2xl text-muted">
            One market, three ways in: publish data and keep control of it, use data with rights you can prove, or
            follow the market as it grows.
          </p>
          <Audiences />
        </section>
      </div>
    </>
  );
}
