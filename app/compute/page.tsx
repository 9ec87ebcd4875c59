import type { Metadata } from 'next';
import { PageShell } from '@/components/analytics/page-shell';
import { ReadFailure } from '@/components/layout/read-failure';
import { ComputeWorkbench } from '@/components/compute/compute-workbench';
import { computeSetup } from '@/components/compute/setup';
import { RequireWallet } from '@/components/wallet/wallet-providers';

// Providers and datasets are read on every visit, never prerendered.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Run a compute job · Datagora' };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

export default async function ComputePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const [setup, params] = await Promise.all([computeSetup(), searchParams]);
  return (
    <PageShell
      title="Run a compute job"
      intro="Send your algorithm to the data: it runs on a provider’s node next to the dataset, and only its results come back, encrypted to this browser, with a receipt the node signs and the chain settles."
    >
      {setup.available ? (
        <RequireWallet>
          <ComputeWorkbench providers={setup.providers} datasets={setup.datasets} startBlock={setup.startBlock} dataset={first(params.dataset)} job={first(params.job)} mode={first(params.mode)} />
        </RequireWallet>
      ) : (
        <ReadFailure
          title="Compute jobs cannot be set up right now"
          body="Providers and prices are read from the ComputeMarket contract, which did not answer. Jobs already paid are safe on-chain: they settle, or their escrow comes back after the deadline."
          message={setup.message}
          hint={setup.hint}
        />
      )}
    </PageShell>
  );
}
