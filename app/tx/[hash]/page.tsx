import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import { PageShell } from '@/components/analytics/page-shell';
import { ReadFailure } from '@/components/layout/read-failure';
import { readTransactionPage } from '@/lib/web/queries/transaction';
import { TransactionView } from '@/components/tx/transaction-view';
import { isTransactionHash } from '@/lib/chain/transaction';

// A transaction is read from the chain on every visit: a pending one is mined meanwhile.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Transaction · Datagora' };

type Props = { params: Promise<{ hash: string }> };

/** /tx/<hash>: the transaction decoded, or the configured explorer's page for it; 404 for a malformed or unknown hash. */
export default async function TransactionRoute({ params }: Props) {
  const { hash } = await params;
  if (!isTransactionHash(hash)) notFound();
  const page = await readTransactionPage(hash);
  if (page.status === 'explorer') redirect(page.url);
  if (page.status === 'not-found') notFound();
  if (page.status === 'unavailable') {
    return (
      <PageShell title="Transaction">
        <ReadFailure title="The transaction cannot be read right now" body="Transactions are read from the chain, which did not answer." message={page.message} hint={page.hint} details={[{ label: 'Transaction', value: hash }]} />
      </PageShell>
    );
  }
  return <TransactionView view={page.view} stablecoin={page.stablecoin} />;
}
