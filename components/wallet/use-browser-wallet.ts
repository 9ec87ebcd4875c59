'use client';
/**
 * The connected wallet as lib/client's flows take it, plus the state of the transaction in progress for
 * <TransactionStatus>: waiting for the wallet, pending, confirmed, or failed with the revert in words. The state
 * belongs to the connected account: switching accounts starts from idle.
 */
import { useCallback, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import type { Address } from 'viem';
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

const IDLE: ActionState = { status: 'idle' };

/** An action's state with the account that acts: what one account did is never shown to the next. */
interface AccountState {
  account: Address | undefined;
  state: ActionState;
}

export function useBrowserWallet() {
  const market = useMarket();
  const { address, chainId, isConnected } = useAccount();
  const publicClient = usePublicClient();
  const { data: walletClient } = useWalletClient();
  const [{ account, state }, setTracked] = useState<AccountState>({ account: address, state: IDLE });
  // Another account (or none) starts from idle: React renders again at once with the reset state.
  if (account !== address) setTracked({ account: address, state: IDLE });
  const wrongChain = isConnected && market !== null && chainId !== market.config.chainId;

  const wallet = useMemo<BrowserWallet | null>(() => {
    if (!market || !publicClient || !walletClient || wrongChain) return null;
    const update = forAccount(setTracked, address);
    return {
      config: market.config,
      publicClient: publicClient as BrowserWallet['publicClient'],
      walletClient: walletClient as BrowserWallet['walletClient'],
      onPhase: (phase) => update((current) => (current.status === 'working' ? { ...current, phase } : current)),
    };
  }, [market, publicClient, walletClient, wrongChain, address]);

  /** Runs `work` with the wallet, tracking its state; resolves with its result or undefined when it failed. */
  const run = useCallback(
    async <T,>(label: string, work: (wallet: BrowserWallet) => Promise<T>, doneLabel = label): Promise<T | undefined> => {
      if (!wallet) return undefined;
      const update = forAccount(setTracked, address);
      update(() => ({ status: 'working', label }));
      try {
        const result = await work(wallet);
        update((current) => ({ status: 'done', label: doneLabel, phase: current.status === 'working' ? current.phase : undefined }));
        return result;
      } catch (error) {
        update(() => ({ status: 'failed', ...describeFailure(error) }));
        return undefined;
      }
    },
    [wallet, address],
  );

  return { market, address, isConnected, wrongChain, wallet, state, run };
}

/** Updates the state while `account` still acts; an action that ends after a switch leaves the new account's state alone. */
function forAccount(setTracked: Dispatch<SetStateAction<AccountState>>, account: Address | undefined) {
  return (next: (current: ActionState) => ActionState) => setTracked((current) => (current.account === account ? { account, state: next(current.state) } : current));
}
