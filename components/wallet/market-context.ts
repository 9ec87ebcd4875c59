'use client';
/**
 * The wallet's contexts, light enough for every page: whether the market has a wallet at all and whether its
 * code (wagmi, RainbowKit: most of the app's JavaScript) has loaded, and, once loaded, the market's facts
 * with the dev wallet.
 */
import { createContext, useContext } from 'react';
import type { ClientConfig } from '@/lib/client/config';
import type { DevWalletProvider } from '@/lib/client/dev-wallet';

export interface MarketContext {
  config: ClientConfig;
  devWallet: DevWalletProvider | null;
}

export const Market = createContext<MarketContext | null>(null);

/** The header button's words, the same from the server's HTML to RainbowKit's button once the wallet loads. */
export const CONNECT_LABEL = 'Connect wallet';

/** The market's public facts and the dev wallet; null when the market is not deployed or the wallet is not loaded. */
export function useMarket(): MarketContext | null {
  return useContext(Market);
}

export interface WalletGate {
  /** The market is deployed, so there is a wallet to load. */
  available: boolean;
  /** The wallet's code has loaded and its providers wrap the page. */
  ready: boolean;
  /** Loads the wallet's code (pages that act with it ask on mount). */
  request(): void;
  /** Loads it and opens the connect dialog once it is there. */
  connect(): void;
}

export const Gate = createContext<WalletGate>({ available: false, ready: false, request: () => undefined, connect: () => undefined });

export function useWalletGate(): WalletGate {
  return useContext(Gate);
}
