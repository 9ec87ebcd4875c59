import type { Metadata } from 'next';
import { PublishWizard } from '@/components/publish/publish-wizard';
import { readProviderChoices } from '@/components/publish/provider-choices';
import { RequireWallet } from '@/components/wallet/wallet-providers';

// The providers to choose from, and their records, are read on every visit, never prerendered.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Publish a dataset · Datagora' };

export default async function PublishPage() {
  const providers = await readProviderChoices();
  return (
    <div className="mx-auto max-w-3xl px-4 py-12 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight">Publish a dataset</h1>
      <p className="mt-2 text-muted">
        Your file is encrypted in this browser before any byte leaves it; the market stores only ciphertext, and the key network releases
        the key only to accounts your licence lets decrypt and to the compute providers you allow.
      </p>
      <RequireWallet>
        <PublishWizard providers={providers} />
      </RequireWallet>
    </div>
  );
}
