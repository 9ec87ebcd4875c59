'use client';
/**
 * The connected wallet as lib/client's flows take it, plus the state of the transaction in progress for
 * <TransactionStatus>: waiting for the wallet, pending, confirmed, or failed with the revert in words.
 */
import { useCallback, useMemo, useState } from 'react';
import { useAccount, usePublicClient, useWalletClient } from 'wagmi';
import type { BrowserWallet } from '@/lib/client/wallet';
import { DatagoraError } from '@/lib/errors';
import type { WritePhase } from '@/lib/market/send';
import { useMarket } from './market-context';

export type ActionState =
  | { status: 'idle' }
  | { status: 'working'; label: string; phase?: WritePhase }
  | { status: 'done'; label: string; phase?: WritePhase }
  | { status: 'failed'; message: string; hint?: string };

/** What went wrong, in words: our typed errors carry a hint; wallets' own errors a short message. */
export function describeFailure(error: unknown): { message: string; hint?: string } {
  if (error instanceof DatagoraError) return { message: error.message, hint: error.hint };
  const short = (error as { shortMessage?: string }).shortMessage;
  return { message: short ?? (error instanceof Error ? error.message : String(error)) };
}

export function useBrowserWallet() {
  const market = useMarket();
  const { address, chainId, isConnected } = useAccount();
  const publicClient = usePublicClient();
  const { data: walletClient } = useWalletClient();
  const [state, setState] = useState<ActionState>({ status: 'idle' });
  const wrongChain = isConnected && market !== null && chainId !== market.config.chainId;

  const wallet = useMemo<BrowserWallet | null>(() => {
    if (!market || !publicClient || !walletClient || wrongChain) return null;
    return {
      config: market.config,
      publicClient: publicClient as BrowserWallet['publicClient'],
      walletClient: walletClient as BrowserWallet['walletClient'],
      onPhase: (phase) => setState((current) => (current.status === 'working' ? { ...current, phase } : current)),
    };
  }, [market, publicClient, walletClient, wrongChain]);

  /** Runs `work` with the wallet, tracking its state; resolves with its result or undefined when it failed. */
  const run = useCallback(
    async <T,>(label: string, work: (wallet: BrowserWallet) => Promise<T>, doneLabel = label): Promise<T | undefined> => {
      if (!wallet) return undefined;
      setState({ status: 'working', label });
      try {
        const result = await work(wallet);
        setState((current) => ({ status: 'done', label: doneLabel, phase: current.status === 'working' ? current.phase : undefined }));
        return result;
      } catch (error) {
        setState({ status: 'failed', ...describeFailure(error) });
        return undefined;
      }
    },
    [wallet],
  );

  return { market, address, isConnected, wrongChain, wallet, state, setState, run };
}
