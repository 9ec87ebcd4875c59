import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getAddress, isAddress } from 'viem';
import { PageShell } from '@/components/analytics/page-shell';
import { ReadFailure } from '@/components/layout/read-failure';
import { OwnerProfile } from '@/components/owners/owner-profile';
import { readOwner } from '@/lib/web/queries/owners';

// Datasets and sales are read from the indexer on every visit.
export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { address } = await params;
  return { title: `Owner ${address.slice(0, 10)}… · Datagora` };
}

/** /owners/<address>: the account's datasets and sales; 404 for anything but an address. */
export default async function OwnerRoute({ params }: Props) {
  const { address } = await params;
  if (!isAddress(address, { strict: false })) notFound();
  const page = await readOwner(getAddress(address.toLowerCase()));
  if (!page.available) {
    return (
      <PageShell title="Owner">
        <ReadFailure title="This owner’s datasets cannot be read right now" body="They come from the indexer, which follows the chain; the datasets themselves are not affected." message={page.message} hint={page.hint} details={[{ label: 'Owner', value: address }]} />
      </PageShell>
    );
  }
  return <OwnerProfile profile={page.profile} stablecoin={page.stablecoin} />;
}
