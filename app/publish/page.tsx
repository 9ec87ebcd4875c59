import type { Metadata } from 'next';
import { PublishWizard } from '@/components/publish/publish-wizard';
import { RequireWallet } from '@/components/wallet/wallet-providers';

export const metadata: Metadata = { title: 'Publish a dataset · Datagora' };

export default function PublishPage() {
  return (
    <div className="mx-auto max-w-3xl px-4 py-12 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight">Publish a dataset</h1>
      <p className="mt-2 text-muted">
        Your file is encrypted in this browser before any byte leaves it; the market stores only ciphertext, and the key network releases
        the key only to accounts your licence lets decrypt.
      </p>
      <RequireWallet>
        <PublishWizard />
      </RequireWallet>
    </div>
  );
}
