import type { Metadata } from 'next';
import { PageShell } from '@/components/analytics/page-shell';
import { OwnerDesk } from '@/components/owner/owner-desk';
import { RequireWallet } from '@/components/wallet/wallet-providers';

export const metadata: Metadata = { title: 'My datasets · Datagora' };

/** The owner's desk: everything on it is read for the connected wallet, in the browser. */
export default function MyDatasetsPage() {
  return (
    <PageShell title="My datasets" intro="What your datasets sold and earned, and the owner’s controls: withdraw, delist or relist, publish a new version, choose the compute providers that may run jobs (and so see the data), and approve the algorithms compute jobs want to run.">
      <RequireWallet>
        <OwnerDesk />
      </RequireWallet>
    </PageShell>
  );
}
