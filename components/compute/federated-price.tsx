'use client';
/**
 * The price of a federated training as ComputeMarket escrows it, read from the chain as the choice changes: each
 * dataset's fee and its provider's minutes (every provider runs one job, so each one's minutes are paid), the
 * total paid at once, the privacy each dataset spends and what its budget leaves, and the account's balance. A
 * dataset its owner's licence, budget or noise rule refuses is named before anything is paid.
 */
import { useQuery } from '@tanstack/react-query';
import { usePublicClient } from 'wagmi';
import { amountOf } from '@/lib/client/compute';
import { stablecoinBalance } from '@/lib/client/chain';
import type { BrowserWallet } from '@/lib/client/wallet';
import { federatedReservation, type FederatedChoice } from '@/lib/compute/actions/federated';
import { quoteJob } from '@/lib/compute/buyer/quote';
import { epsilonText } from '@/lib/compute/release-words';
import { planHash, type FederatedPlan } from '@/lib/federated';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { useChainRead } from '@/components/wallet/use-chain-read';
import { priceLines, privacyText } from './federated-choice';

function Row({ label, value, strong = false }: { label: string; value: string; strong?: boolean }) {
  return (
    <div className={`flex items-baseline justify-between gap-4 ${strong ? 'border-t border-line pt-2 font-semibold' : ''}`}>
      <dt className={strong ? '' : 'text-muted'}>{label}</dt>
      <dd className="text-right tabular-nums">{value}</dd>
    </div>
  );
}

/** The quotes of `choice`'s datasets, or the problem that stops it; `ready` is whether it may be paid. */
export function useFederatedQuote(choice: FederatedChoice | null, plan: FederatedPlan | null, address: `0x${string}` | undefined) {
  const market = useMarket();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  return useQuery({
    queryKey: ['federated-quote', address, plan && planHash(plan), choice?.maxMinutes],
    queryFn: async () => {
      const quotes = await Promise.all(
        choice!.participants.map(async ({ datasetId, providerId }) => ({
          providerId,
          ...(await quoteJob(publicClient!, market!.config.contracts, { datasetId, providerId, environment: 0, maxMinutes: choice!.maxMinutes, aiTraining: true }, address!)),
        })),
      );
      // Where an owner set an ε budget, the plan's ε is reserved from it, and only noisy updates are taken: the SDK
      // refuses either before paying, and the price says so first.
      const epsilon = federatedReservation(plan!);
      const budgeted = quotes.find((quote) => quote.noiseRequired && (plan!.noiseMultiplier === 0 || epsilon > quote.epsilonLeft));
      const problem = !budgeted
        ? null
        : plan!.noiseMultiplier === 0
          ? `The owner of dataset #${budgeted.datasetId} set a privacy budget: its updates must carry noise. Set the noise multiplier above 0.`
          : `The plan spends ε ${epsilonText(epsilon)} of dataset #${budgeted.datasetId}, whose budget leaves you ε ${epsilonText(budgeted.epsilonLeft)}: train fewer rounds, or with more noise.`;
      return { quotes, problem };
    },
    enabled: choice !== null && plan !== null && publicClient !== undefined && address !== undefined && market !== null,
    retry: false,
  });
}

export function FederatedPrice({ choice, plan, quote, address }: { choice: FederatedChoice | null; plan: FederatedPlan | null; quote: ReturnType<typeof useFederatedQuote>; address: `0x${string}` | undefined }) {
  const market = useMarket();
  const config = market!.config;
  const balance = useChainRead(['balance', address], address && ((client) => stablecoinBalance(client, config, address)));
  const amount = (value: bigint) => amountOf(config, value);
  if (!choice || !plan) return <p className="text-sm text-muted">Choose two datasets or more, the local step and the plan to see the price.</p>;
  if (!address) return <p className="text-sm text-muted">Connect your wallet to read the price for your account.</p>;
  if (quote.isPending) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading the prices from the chain…
      </p>
    );
  }
  if (quote.isError || quote.data.problem) {
    const failure = quote.isError ? describeFailure(quote.error) : { message: quote.data.problem! };
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
        <p className="font-medium">{failure.message}</p>
        {failure.hint ? <p className="mt-1 text-muted">{failure.hint}</p> : null}
      </div>
    );
  }
  const { quotes } = quote.data;
  const { lines, total } = priceLines(quotes, choice.maxMinutes, amount);
  return (
    <div className="space-y-3 text-sm">
      <dl aria-label="Price" className="space-y-2">
        {lines.map(([label, value]) => (
          <Row key={label} label={label} value={value} />
        ))}
        <Row label="Paid into escrow now" value={total} strong />
      </dl>
      <dl aria-label="Privacy" className="space-y-2">
        {quotes.map(({ datasetId, epsilonLeft, noiseRequired }) => (
          <Row key={datasetId.toString()} label={`Privacy of dataset #${datasetId}`} value={`${privacyText(plan)}${noiseRequired ? ` of the ε ${epsilonText(epsilonLeft)} its budget leaves you` : ''}`} />
        ))}
      </dl>
      <p className="text-muted">
        Each owner is paid its own fee once its provider settles with the final model; a provider that drops out is left out of the rounds, and its job’s escrow comes back after the deadline.
        {balance.data !== undefined ? ` You hold ${amount(balance.data)}.` : ''}
      </p>
    </div>
  );
}
