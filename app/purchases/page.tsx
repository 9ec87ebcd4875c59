import type { Metadata } from 'next';
import { PageShell } from '@/components/analytics/page-shell';
import { PurchasesDesk } from '@/components/purchases/purchases-desk';
import { RequireWallet } from '@/components/wallet/wallet-providers';

export const metadata: Metadata = { title: 'My purchases · Datagora' };

/** The buyer's desk: read for the connected wallet, in the browser, from the indexer. */
export default function MyPurchasesPage() {
  return (
    <PageShell title="My purchases" intro="The licences your account holds, until when, and the compute jobs it paid for, with their receipts and results: read from the chain by address, so they are the same in every browser.">
      <RequireWallet>
        <PurchasesDesk />
      </RequireWallet>
    </PageShell>
  );
}
