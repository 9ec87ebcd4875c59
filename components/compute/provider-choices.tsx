'use client';
/**
 * The job form's choice of where the job runs: the environments of the active providers the owner of every chosen
 * dataset allows (read from ComputeMarket whenever the datasets change), or why there is nothing to choose.
 */
import { useQuery } from '@tanstack/react-query';
import { usePublicClient } from 'wagmi';
import type { BrowserWallet } from '@/lib/client/wallet';
import { allowedProviders } from '@/lib/compute/buyer/quote';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import type { ProviderOption } from './options';
import { choiceCard } from './styles';

/** The providers among `providers` that the owner of every dataset of `datasetIds` allows; idle while none is chosen. */
export function useAllowedProviders(datasetIds: string[] | null, providers: ProviderOption[]) {
  const market = useMarket();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  return useQuery({
    queryKey: ['allowed-providers', datasetIds, providers.map((p) => p.id)],
    queryFn: async () => {
      const ids = providers.map((p) => BigInt(p.id));
      const allowed = await Promise.all(datasetIds!.map((id) => allowedProviders(publicClient!, market!.config.contracts.computeMarket, BigInt(id), ids)));
      return providers.filter((p) => allowed.every((list) => list.includes(BigInt(p.id))));
    },
    enabled: datasetIds !== null && publicClient !== undefined && market !== null,
    retry: false,
  });
}

/** `providerId:environment` of the first environment offered, or '' when none is. */
export function firstEnvironment(providers: ProviderOption[]): string {
  const [provider] = providers;
  return provider?.environments[0] ? `${provider.id}:${provider.environments[0].index}` : '';
}

const empty = 'rounded-lg border border-dashed border-line p-4 text-center text-sm text-muted';

interface ProviderChoicesProps {
  datasetIds: string[] | null;
  /** How many providers are active at all. */
  registered: number;
  allowed: ReturnType<typeof useAllowedProviders>;
  value: string;
  onChange: (value: string) => void;
}

export function ProviderChoices({ datasetIds, registered, allowed, value, onChange }: ProviderChoicesProps) {
  if (registered === 0) return <p className={empty}>No compute provider is active, so no job can run until one registers.</p>;
  if (datasetIds === null) return <p className={empty}>Choose a dataset to see the providers its owner allows.</p>;
  const named = datasetIds.length === 1 ? `dataset #${datasetIds[0]}` : `datasets ${datasetIds.map((id) => `#${id}`).join(', ')}`;
  if (allowed.isPending) {
    return (
      <p role="status" className={empty}>
        Reading which providers the {datasetIds.length === 1 ? 'owner' : 'owners'} of {named} allow{datasetIds.length === 1 ? 's' : ''}…
      </p>
    );
  }
  if (allowed.isError) {
    const failure = describeFailure(allowed.error);
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
        <p className="font-medium">
          The providers {named} allow{datasetIds.length === 1 ? 's' : ''} cannot be read: {failure.message}
        </p>
        {failure.hint ? <p className="mt-1 text-muted">{failure.hint}</p> : null}
      </div>
    );
  }
  if (allowed.data.length === 0) {
    return datasetIds.length === 1 ? (
      <p className={empty}>The owner of {named} allows no provider yet, so no compute job can run on it.</p>
    ) : (
      <p className={empty}>No provider is allowed by the owners of all of {named}, so no one job can run on them together: take a dataset out, or run a job on each.</p>
    );
  }
  return (
    <ul className="space-y-2">
      {allowed.data.flatMap((provider) =>
        provider.environments.map((env) => {
          const key = `${provider.id}:${env.index}`;
          return (
            <li key={key}>
              <label className={choiceCard}>
                <input type="radio" name="environment" value={key} checked={value === key} onChange={() => onChange(key)} className="mt-1 accent-brand" />
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-baseline justify-between gap-x-3">
                    <span className="font-medium">
                      Provider #{provider.id} · {env.label}
                    </span>
                    <span className="font-semibold tabular-nums">{env.pricePerMinute} / min</span>
                  </span>
                  <span className="mt-1 block truncate font-mono text-xs text-muted">{provider.endpoint}</span>
                </span>
              </label>
            </li>
          );
        }),
      )}
    </ul>
  );
}
