'use client';
/**
 * What the job tracker and the federated job view show alike: their heading, where the node's live status stands
 * before its first answer (refused, or connecting), and the results sealed to this browser's key, opened on the
 * buyer's request.
 */
import type { ReactNode } from 'react';
import type { Address } from 'viem';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { chip, primaryButton, secondaryButton } from './styles';

/** The job's title, its status at the node as a chip (`tone`: how it went), and the way to start another. */
export function JobHeading({ id, title, status, tone, onNew }: { id: string; title: string; status?: string; tone: 'ok' | 'warn' | 'neutral'; onNew: () => void }) {
  const colour = tone === 'ok' ? 'border-ok/40 text-ok' : tone === 'warn' ? 'border-warn/40 text-warn' : '';
  return (
    <div className="flex flex-wrap items-center justify-between gap-3">
      <h2 id={id} className="flex flex-wrap items-center gap-3 text-lg font-semibold tracking-tight">
        {title}
        {status ? <span className={`${chip} ${colour}`}>{status}</span> : null}
      </h2>
      <button type="button" onClick={onNew} className={secondaryButton}>
        Start another job
      </button>
    </div>
  );
}

/** The node's refusal of the stream, or "connecting" until its first answer; `children` once it answered. */
export function NodeAnswer({ refused, answered, children }: { refused: unknown; answered: boolean; children: ReactNode }) {
  const refusal = refused ? describeFailure(refused) : null;
  if (refusal) {
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-4 text-sm">
        <p className="font-medium">The provider cannot report on this job: {refusal.message}</p>
        {refusal.hint ? <p className="mt-1 text-muted">{refusal.hint}</p> : null}
      </div>
    );
  }
  if (!answered) {
    return (
      <p role="status" className="text-sm text-muted">
        Connecting to the provider…
      </p>
    );
  }
  return children;
}

/** What the results are and how they open, the account that may open them, and the button that does. */
export function OpenResults({ about, buyer, paidFor, isBuyer, disabled, onOpen }: { about: string; buyer: Address; paidFor: string; isBuyer: boolean; disabled: boolean; onOpen: () => void }) {
  return (
    <div className="space-y-3">
      <p className="text-sm text-muted">{about} Opening them asks your wallet to sign in to the provider; they are decrypted here and checked against the signed receipt and the chain.</p>
      {!isBuyer ? (
        <p className="text-sm text-warn">
          Connect the account that paid for the {paidFor} (<span className="font-mono break-all">{buyer}</span>) to open them.
        </p>
      ) : null}
      <button type="button" disabled={disabled || !isBuyer} onClick={onOpen} className={primaryButton}>
        Open the results
      </button>
    </div>
  );
}
