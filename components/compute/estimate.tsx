'use client';
/**
 * The job form's price: the escrow as ComputeMarket computes it for the current choice — each dataset's fee, the
 * minutes once, the total paid at once — the account's balance, and what the job reserves from the datasets'
 * release budgets (the ε a noisy template spends, the bytes it may release) beside what those budgets leave the
 * buyer. quoteRun refuses, in words naming the dataset, a job a dataset cannot take.
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { usePublicClient } from 'wagmi';
import { amountOf } from '@/lib/client/compute';
import { stablecoinBalance } from '@/lib/client/chain';
import type { BrowserWallet } from '@/lib/client/wallet';
import { MAX_JOB_BYTES, quoteRun, type RunChoice } from '@/lib/compute/buyer/quote';
import { epsilonText } from '@/lib/compute/release-words';
import { formatBytes } from '@/lib/units';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { useChainRead } from '@/components/wallet/use-chain-read';

function Row({ label, children, strong = false }: { label: string; children: ReactNode; strong?: boolean }) {
  return (
    <div className={`flex items-baseline justify-between gap-4 ${strong ? 'border-t border-line pt-2 font-semibold' : ''}`}>
      <dt className={strong ? '' : 'text-muted'}>{label}</dt>
      <dd className="text-right whitespace-nowrap tabular-nums">{children}</dd>
    </div>
  );
}

/** A budget left, or none when the owner set no limit (the quote's epsilonLeft is beyond any job's reach then). */
const limited = (left: bigint) => left < MAX_JOB_BYTES;

export function Estimate({ choice, address }: { choice: RunChoice | null; address: `0x${string}` | undefined }) {
  const market = useMarket();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  const config = market!.config;
  const quote = useQuery({
    // Keys are hashed as JSON, which has no bigints.
    queryKey: [
      'compute-quote',
      address,
      choice && {
        ...choice,
        datasetIds: choice.datasetIds.map(String),
        providerId: choice.providerId.toString(),
        epsilon: choice.epsilon?.toString(),
        releaseBytes: choice.releaseBytes?.toString(),
      },
    ],
    queryFn: () => quoteRun(publicClient!, config.contracts, choice!, address!),
    enabled: choice !== null && publicClient !== undefined && address !== undefined,
    retry: false,
  });
  const balance = useChainRead(['balance', address], address && ((client) => stablecoinBalance(client, config, address)));
  const amount = (value: bigint) => amountOf(config, value);
  if (!choice) return <p className="text-sm text-muted">Choose a dataset or several, an environment and the minutes to see the price.</p>;
  if (quote.isPending) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading the prices from the chain…
      </p>
    );
  }
  if (quote.isError) {
    const failure = describeFailure(quote.error);
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
        <p className="font-medium">{failure.message}</p>
        {failure.hint ? <p className="mt-1 text-muted">{failure.hint}</p> : null}
      </div>
    );
  }
  const { jobs, pricePerMinute, escrow } = quote.data;
  const several = jobs.length > 1;
  // Every job reserves the same ε and bytes; what limits the buyer is the budget with the least left.
  const { epsilon, releaseBytes } = jobs[0]!;
  const epsilonLeft = jobs.reduce((least, job) => (job.epsilonLeft < least ? job.epsilonLeft : least), jobs[0]!.epsilonLeft);
  return (
    <div className="space-y-3 text-sm">
      <dl aria-label="Price" className="space-y-2">
        {jobs.map((job) => (
          <Row key={job.datasetId.toString()} label={several ? `Data fee of dataset #${job.datasetId}` : 'Data fee (the dataset’s compute price)'}>
            {amount(job.dataFee)}
          </Row>
        ))}
        <Row label={`Compute, up to ${choice.maxMinutes} min × ${amount(pricePerMinute)}${several ? ', once' : ''}`}>{amount(pricePerMinute * BigInt(choice.maxMinutes))}</Row>
        <Row label="Paid into escrow now" strong>
          {amount(escrow)}
        </Row>
      </dl>
      <dl aria-label="Release budget" className="space-y-2">
        {choice.epsilon !== undefined ? <Row label={several ? 'Privacy budget the job spends, of each dataset' : 'Privacy budget the job spends'}>ε {epsilonText(epsilon)}</Row> : null}
        <Row label={several ? 'Privacy budget left to you, the least of the datasets’' : 'Privacy budget left to you'}>{limited(epsilonLeft) ? `ε ${epsilonText(epsilonLeft)}` : 'no limit set'}</Row>
        {limited(releaseBytes) ? <Row label="Results released at most">{formatBytes(Number(releaseBytes))}</Row> : null}
      </dl>
      <p className="text-muted">
        {several ? 'Each dataset’s owner is paid its own fee when the results are delivered; unused minutes come back to you, and if nothing is released every data fee comes back too.' : 'Unused minutes come back to you when the job settles; if nothing is released, the data fee comes back too.'}
        {balance.data !== undefined ? ` You hold ${amount(balance.data)}.` : ''}
      </p>
    </div>
  );
}
