'use client';
/**
 * The header's wallet corner: RainbowKit's connect button (wrong network included), and with the dev wallet a
 * picker of the local chain's test accounts.
 */
import { ConnectButton } from '@rainbow-me/rainbowkit';
import { useState } from 'react';
import { useAccount } from 'wagmi';
import { DEV_WALLET_ACCOUNTS } from '@/lib/client/dev-wallet';
import { DEV_WALLET_ID } from './wagmi-config';
import { CONNECT_LABEL, useMarket } from './market-context';

function DevAccountPicker() {
  const market = useMarket();
  const { connector } = useAccount();
  const devWallet = market?.devWallet;
  const [index, setIndex] = useState(devWallet?.accountIndex ?? 0);
  if (!devWallet || connector?.id !== DEV_WALLET_ID) return null;
  return (
    <label className="flex items-center gap-2 text-xs text-muted">
      <span>Dev account</span>
      <select
        value={index}
        onChange={(event) => {
          const next = Number(event.target.value);
          setIndex(next);
          void devWallet.useAccount(next);
        }}
        className="rounded-md border border-line bg-surface px-2 py-1 text-ink"
      >
        {DEV_WALLET_ACCOUNTS.map((i) => (
          <option key={i} value={i}>
            #{i}
          </option>
        ))}
      </select>
    </label>
  );
}

export function WalletButton() {
  const market = useMarket();
  if (!market) return <span className="text-xs text-muted">Wallet off: market not deployed</span>;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <DevAccountPicker />
      <ConnectButton label={CONNECT_LABEL} accountStatus="address" chainStatus="icon" showBalance={false} />
    </div>
  );
}
