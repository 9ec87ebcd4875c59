'use client';
/** A banner while the wallet is on another chain than the market's, with the switch one click away. */
import { useAccount, useSwitchChain } from 'wagmi';
import { useMarket } from './market-context';

export function NetworkGuard() {
  const market = useMarket();
  const { chainId, isConnected } = useAccount();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!market || !isConnected || chainId === market.config.chainId) return null;
  return (
    <div role="alert" className="border-b border-warn/40 bg-warn-soft">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-2 text-sm sm:px-6">
        <p>
          Your wallet is on chain {chainId}; this market runs on <strong>{market.config.chainName}</strong> (chain {market.config.chainId}).
          {error && <span className="ml-2 text-muted">{error.message.split('\n')[0]}</span>}
        </p>
        <button
          type="button"
          disabled={isPending}
          onClick={() => switchChain({ chainId: market.config.chainId })}
          className="rounded-md bg-brand px-3 py-1.5 font-medium text-brand-ink disabled:opacity-60"
        >
          {isPending ? 'Switching…' : 'Switch network'}
        </button>
      </div>
    </div>
  );
}
