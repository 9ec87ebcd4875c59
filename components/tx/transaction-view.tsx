/** One transaction as people read it: status, block, gas, the call decoded and every event it emitted. */
import type { ReactNode } from 'react';
import { formatEther, formatGwei } from 'viem';
import { formatDateTime } from '@/components/dataset/format';
import { Section } from '@/components/dataset/section';
import { OwnerLink } from '@/components/owners/owner-link';
import type { DecodedValue, TransactionView as Transaction } from '@/lib/chain/transaction';
import type { Token } from '@/lib/units';
import { DecodedArgument } from './decoded-value';

const STATUS = {
  success: { label: 'Success', tone: 'border-ok/40 text-ok' },
  reverted: { label: 'Reverted', tone: 'border-warn/40 bg-warn-soft text-warn' },
  pending: { label: 'Pending', tone: 'border-line text-muted' },
} as const;

function Arguments({ args, label, stablecoin }: { args: DecodedValue[]; label: string; stablecoin: Token }) {
  if (args.length === 0) return <p className="text-sm text-muted">No arguments.</p>;
  return (
    <dl aria-label={label} className="space-y-2 text-sm">
      {args.map((arg) => (
        <div key={arg.name} className="grid gap-1 sm:grid-cols-[12rem_1fr] sm:gap-4">
          <dt className="text-muted">
            {arg.name} <span className="text-xs">{arg.type}</span>
          </dt>
          <dd className="min-w-0">
            <DecodedArgument arg={arg} token={stablecoin} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-muted">{term}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

export function TransactionView({ view, stablecoin }: { view: Transaction; stablecoin: Token }) {
  const status = STATUS[view.status];
  return (
    <div className="mx-auto max-w-4xl space-y-6 px-4 py-10 sm:px-6">
      <header className="space-y-3">
        <p className="flex flex-wrap items-center gap-2">
          <span className="text-sm text-muted">Transaction</span>
          <span className={`rounded-full border px-2.5 py-0.5 text-xs font-medium ${status.tone}`}>{status.label}</span>
        </p>
        <h1 className="text-2xl font-semibold tracking-tight break-words sm:text-3xl">
          {view.call ? `${view.contract}.${view.call.functionName}` : view.contract ? `A call to ${view.contract}` : view.to ? 'A call to another contract' : 'A contract creation'}
        </h1>
        <code className="block font-mono text-xs break-all text-muted">{view.hash}</code>
      </header>

      <Section id="facts" title="Overview">
        <dl className="space-y-2 text-sm">
          <Fact term="Block">
            {view.blockNumber ?? 'not mined yet'}
            {view.timestamp ? <span className="text-muted"> · {formatDateTime(new Date(view.timestamp))}</span> : null}
          </Fact>
          <Fact term="From">
            <OwnerLink address={view.from} full />
          </Fact>
          <Fact term={view.to ? 'To' : 'Created'}>
            {view.contract ? <span className="mr-2 font-medium">{view.contract}</span> : null}
            <code className="font-mono text-xs break-all">{view.to ?? view.created ?? '—'}</code>
          </Fact>
          <Fact term="Value">{formatEther(BigInt(view.value))} ETH</Fact>
          <Fact term="Gas used">
            {view.gasUsed === null ? '—' : `${BigInt(view.gasUsed).toLocaleString('en-US')} of ${BigInt(view.gasLimit).toLocaleString('en-US')}`}
          </Fact>
          {view.effectiveGasPrice !== null && view.fee !== null ? (
            <Fact term="Fee">
              {formatEther(BigInt(view.fee))} ETH <span className="text-muted">at {formatGwei(BigInt(view.effectiveGasPrice))} gwei</span>
            </Fact>
          ) : null}
          <Fact term="Nonce">{view.nonce}</Fact>
        </dl>
      </Section>

      <Section id="call" title="Call" intro={view.call ? `Decoded with the ${view.contract} ABI: amounts in ${stablecoin.symbol} with their base units beside them, times in UTC.` : 'The input could not be decoded with the market’s ABIs.'}>
        {view.call ? (
          <>
            <p className="mb-3 font-mono text-sm">{view.call.functionName}({view.call.args.map((a) => a.name).join(', ')})</p>
            <Arguments args={view.call.args} label={`Arguments of ${view.call.functionName}`} stablecoin={stablecoin} />
          </>
        ) : (
          <code className="block font-mono text-xs break-all">{view.input}</code>
        )}
      </Section>

      <Section id="events" title={`Events (${view.events.length})`} intro={view.status === 'reverted' ? 'A reverted transaction emits none: everything it did was undone.' : undefined}>
        {view.events.length === 0 ? (
          <p className="text-sm text-muted">{view.status === 'pending' ? 'Not mined yet.' : 'None.'}</p>
        ) : (
          <ol className="space-y-4">
            {view.events.map((event) => (
              <li key={event.logIndex} className="rounded-lg border border-line p-4">
                <h3 className="font-medium">
                  {event.contract ?? 'Another contract'} · {event.name ?? 'an event its ABI does not know'}
                  <span className="ml-2 text-xs font-normal whitespace-nowrap text-muted">log {event.logIndex}</span>
                </h3>
                <div className="mt-3">
                  {event.name ? (
                    <Arguments args={event.args} label={`Arguments of ${event.name}`} stablecoin={stablecoin} />
                  ) : (
                    <code className="block font-mono text-xs break-all">
                      {event.address} {event.topics.join(' ')} {event.data}
                    </code>
                  )}
                </div>
              </li>
            ))}
          </ol>
        )}
      </Section>
    </div>
  );
}
