'use client';
/** Feedback for the action in progress: waiting for the wallet, pending with its hash, confirmed, or failed in words. */
import { TxLink } from '@/components/tx/tx-link';
import type { ActionState } from './use-browser-wallet';

export function TransactionStatus({ state }: { state: ActionState }) {
  if (state.status === 'idle') return null;
  if (state.status === 'failed') {
    return (
      <div role="alert" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-sm">
        <p className="font-medium text-ink">{state.message}</p>
        {state.hint && <p className="mt-1 text-muted">{state.hint}</p>}
      </div>
    );
  }
  const { phase } = state;
  const line =
    state.status === 'done'
      ? state.label
      : phase?.phase === 'signing'
        ? `Confirm in your wallet: ${phase.action}`
        : phase?.phase === 'pending'
          ? `Pending: ${phase.action}…`
          : phase?.phase === 'confirmed'
            ? `Confirmed: ${phase.action}; ${state.label.toLowerCase()}…`
            : `${state.label}…`;
  return (
    <div role="status" aria-live="polite" className={`rounded-md border px-3 py-2 text-sm ${state.status === 'done' ? 'border-ok/40 text-ok' : 'border-line text-muted'}`}>
      <p>{line}</p>
      {phase && 'hash' in phase && (
        <p className="mt-1 text-xs text-muted">
          tx <TxLink hash={phase.hash} />
        </p>
      )}
    </div>
  );
}
