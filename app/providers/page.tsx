import type { Metadata } from 'next';
import { PageShell } from '@/components/analytics/page-shell';
import { ReadFailure } from '@/components/layout/read-failure';
import { ProviderList } from '@/components/providers/provider-list';
import { readProviders } from '@/lib/web/queries/providers';

// Registrations and track records are read on every visit, never prerendered.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Compute providers · Datagora' };

const UNAVAILABLE = {
  title: 'The compute providers cannot be read',
  body: 'Providers are read from the ComputeMarket contract and their track records from the indexer; neither replied. Registered nodes are safe on-chain and show again as soon as either is back.',
};

export default async function ProvidersPage() {
  const providers = await readProviders();
  return (
    <PageShell
      title="Compute providers"
      intro="The nodes that run buyers’ algorithms next to compute-only data: the hardware each offers and its price, as registered on-chain, and how its jobs went."
    >
      {providers.available ? <ProviderList listed={providers} /> : <ReadFailure {...UNAVAILABLE} message={providers.message} hint={providers.hint} />}
    </PageShell>
  );
}
