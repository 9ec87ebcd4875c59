'use client';
/**
 * The wallet around every page, loaded only when needed: most of the app's JavaScript is the wallet (wagmi,
 * RainbowKit), and browsing the market needs none of it. It loads when a page that acts with it mounts, when
 * the visitor clicks "Connect wallet", or at once for a visitor who connected before.
 */
import { useEffect, useMemo, useState, type ComponentType, type ReactNode } from 'react';
import type { ClientConfig } from '@/lib/client/config';
import { Gate, useWalletGate, type WalletGate } from './market-context';

type Stack = ComponentType<{ config: ClientConfig; connect: boolean; children: ReactNode }>;

/** wagmi remembers the last connector until the visitor disconnects. */
const connectedBefore = () => Boolean(globalThis.localStorage?.getItem('wagmi.recentConnectorId'));

export function WalletProviders({ config, children }: { config: ClientConfig | null; children: ReactNode }) {
  const [stack, setStack] = useState<{ Stack: Stack } | null>(null);
  const [wanted, setWanted] = useState(false);
  const [connect, setConnect] = useState(false);
  useEffect(() => {
    if (config && !stack && (wanted || connectedBefore())) void import('./wallet-stack').then((module) => setStack({ Stack: module.WalletStack }));
  }, [config, stack, wanted]);
  const gate = useMemo<WalletGate>(
    () => ({
      available: config !== null,
      ready: stack !== null,
      request: () => setWanted(true),
      connect: () => {
        setConnect(true);
        setWanted(true);
      },
    }),
    [config, stack],
  );
  return <Gate.Provider value={gate}>{stack && config ? <stack.Stack config={config} connect={connect}>{children}</stack.Stack> : children}</Gate.Provider>;
}

/** Renders `children` (which act with the wallet) once its code is there; asks for it on mount. */
export function RequireWallet({ children }: { children: ReactNode }) {
  const gate = useWalletGateRequest();
  if (!gate.available) return <p className="mt-8 text-muted">The market is not deployed yet, so there is no wallet to act with: start it with npm start.</p>;
  if (!gate.ready) {
    return (
      <p role="status" className="mt-8 text-muted">
        Loading the wallet…
      </p>
    );
  }
  return children;
}

function useWalletGateRequest(): WalletGate {
  const gate = useWalletGate();
  useEffect(() => gate.request(), [gate]);
  return gate;
}

