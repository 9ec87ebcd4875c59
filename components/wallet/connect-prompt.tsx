'use client';
/** What a desk shows before a wallet is connected: why it needs one, and the button that opens the wallet picker. */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import type { ReactNode } from 'react';
import { primaryButton } from '@/components/owner/styles';

export function ConnectPrompt({ why }: { why: ReactNode }) {
  const { openConnectModal } = useConnectModal();
  return (
    <section aria-labelledby="connect-title" className="rounded-xl border border-line bg-surface p-6 text-center shadow-sm sm:p-10">
      <h2 id="connect-title" className="text-lg font-semibold tracking-tight">
        Connect your wallet
      </h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-muted">{why}</p>
      <button type="button" onClick={openConnectModal} disabled={!openConnectModal} className={`mt-5 ${primaryButton}`}>
        Connect wallet
      </button>
    </section>
  );
}
