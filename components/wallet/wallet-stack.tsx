'use client';
/**
 * The wallet's code, loaded on demand (wallet-providers.tsx): wagmi, react-query and RainbowKit around the
 * app, with the market's public facts and the dev wallet in context.
 */
import '@rainbow-me/rainbowkit/styles.css';
import { darkTheme, lightTheme, RainbowKitProvider } from '@rainbow-me/rainbowkit';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { WagmiProvider } from 'wagmi';
import type { ClientConfig } from '@/lib/client/config';
import { DevWalletProvider } from '@/lib/client/dev-wallet';
import { Market } from './market-context';
import { createWagmiConfig } from './wagmi-config';

const ACCENT = { accentColor: '#4f46e5', borderRadius: 'medium' } as const;

/** Opens the connect dialog once, for a visitor who clicked "Connect wallet" before the code was there. */
function ConnectOnReady({ when }: { when: boolean }) {
  const { openConnectModal } = useConnectModal();
  const done = useRef(false);
  useEffect(() => {
    if (when && !done.current && openConnectModal) {
      done.current = true;
      openConnectModal();
    }
  }, [when, openConnectModal]);
  return null;
}

export function WalletStack({ config, connect, children }: { config: ClientConfig; connect: boolean; children: ReactNode }) {
  const [state] = useState(() => {
    const devWallet = config.devWallet ? new DevWalletProvider(config) : null;
    return { market: { config, devWallet }, wagmi: createWagmiConfig(config, devWallet), query: new QueryClient() };
  });
  return (
    <Market.Provider value={state.market}>
      <WagmiProvider config={state.wagmi}>
        <QueryClientProvider client={state.query}>
          <RainbowKitProvider theme={{ lightMode: lightTheme(ACCENT), darkMode: darkTheme(ACCENT) }} appInfo={{ appName: 'Datagora' }}>
            <ConnectOnReady when={connect} />
            {children}
          </RainbowKitProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </Market.Provider>
  );
}
