'use client';
/**
 * The header's wallet corner and network banner, light until the wallet's code is loaded: a plain "Connect
 * wallet" button that loads it and then opens RainbowKit's dialog.
 */
import dynamic from 'next/dynamic';
import { CONNECT_LABEL, useWalletGate } from './market-context';

const WalletButton = dynamic(() => import('./wallet-button').then((module) => module.WalletButton), { ssr: false });
const NetworkGuard = dynamic(() => import('./network-guard').then((module) => module.NetworkGuard), { ssr: false });

export function HeaderWallet() {
  const gate = useWalletGate();
  if (!gate.available) return <span className="text-xs text-muted">Wallet off: market not deployed</span>;
  if (gate.ready) return <WalletButton />;
  return (
    <button type="button" onClick={gate.connect} className="rounded-xl bg-brand px-4 py-2 text-sm font-semibold text-brand-ink shadow-sm">
      {CONNECT_LABEL}
    </button>
  );
}

export function HeaderNetworkGuard() {
  return useWalletGate().ready ? <NetworkGuard /> : null;
}
