'use client';
/**
 * The wallet for every page: wagmi, react-query and RainbowKit around the app, with the market's public
 * facts in context. Without a deployed market (config null) pages render, and wallet parts say why they are off.
 */
import '@rainbow-me/rainbowkit/styles.css';
import { darkTheme, lightTheme, RainbowKitProvider } from '@rainbow-me/rainbowkit';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, useContext, useState, type ReactNode } from 'react';
import { WagmiProvider } from 'wagmi';
import type { ClientConfig } from '@/lib/client/config';
import { DevWalletProvider } from '@/lib/client/dev-wallet';
import { createWagmiConfig } from './wagmi-config';

interface MarketContext {
  config: ClientConfig;
  devWallet: DevWalletProvider | null;
}

const Market = createContext<MarketContext | null>(null);

/** The market's public facts and the dev wallet; null when the market is not deployed. */
export function useMarket(): MarketContext | null {
  return useContext(Market);
}

const ACCENT = { accentColor: '#4f46e5', borderRadius: 'medium' } as const;

export function WalletProviders({ config, children }: { config: ClientConfig | null; children: ReactNode }) {
  const [state] = useState(() => {
    if (!config) return null;
    const devWallet = config.devWallet ? new DevWalletProvider(config) : null;
    return { market: { config, devWallet }, wagmi: createWagmiConfig(config, devWallet), query: new QueryClient() };
  });
  if (!state) return children;
  return (
    <Market.Provider value={state.market}>
      <WagmiProvider config={state.wagmi}>
        <QueryClientProvider client={state.query}>
          <RainbowKitProvider theme={{ lightMode: lightTheme(ACCENT), darkMode: darkTheme(ACCENT) }} appInfo={{ appName: 'Datagora' }}>
            {children}
          </RainbowKitProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </Market.Provider>
  );
}
