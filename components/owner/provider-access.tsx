'use client';
/**
 * Which compute providers may run jobs on one of the owner's datasets: each active provider (and a retired one
 * still allowed) with Allow or Withdraw, one wallet transaction each. An allowed provider's node decrypts the
 * data inside its sandbox for a job; a withdrawal takes effect at once.
 */
import { plural } from '@/components/analytics/format';
import type { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import type { ProviderAllowance } from '@/lib/client/owner';
import { browserPort } from '@/lib/client/port';
import { setProvidersAllowed } from '@/lib/market/actions/owner';
import { OwnedDataset } from './owned-dataset';
import { chip, secondaryButton } from './styles';

interface ProviderAccessProps {
  id: string;
  run: ReturnType<typeof useBrowserWallet>['run'];
  busy: boolean;
  onChanged: () => Promise<void>;
}

function Status({ provider }: { provider: ProviderAllowance }) {
  if (!provider.active) return <span className={`${chip} border-warn/40 bg-warn-soft text-warn`}>Retired, still allowed</span>;
  return provider.allowed ? <span className={`${chip} border-ok/40 text-ok`}>Allowed</span> : <span className={`${chip} text-muted`}>Not allowed</span>;
}

function Allowances({ id, providers, run, busy, onChanged }: ProviderAccessProps & { providers: ProviderAllowance[] }) {
  const allowedCount = providers.filter((p) => p.allowed).length;
  const change = async (provider: ProviderAllowance, allowed: boolean) => {
    await run(
      allowed ? 'Allowing the provider' : 'Withdrawing the provider',
      (wallet) => setProvidersAllowed(browserPort(wallet), BigInt(id), [BigInt(provider.id)], allowed),
      allowed ? `Provider #${provider.id} allowed: it can run jobs on this dataset, and sees its plaintext to do so` : `Provider #${provider.id} withdrawn: from now on it takes no job on this dataset and cannot decrypt it`,
    );
    await onChanged();
  };
  return (
    <div className="space-y-3">
      <h4 className="text-sm font-semibold">Compute providers</h4>
      <p className="text-sm text-muted">
        An allowed provider’s node decrypts this dataset inside its sandbox to run jobs: it sees the plaintext. A withdrawal takes effect at once: the
        provider takes no new job here and can no longer decrypt the data, not even for a job it already accepted.
      </p>
      <p className="text-sm font-medium">{allowedCount === 0 ? 'No provider is allowed: compute jobs cannot run on this dataset.' : `You allow ${plural(allowedCount, 'provider')}.`}</p>
      {providers.length === 0 ? (
        <p className="text-sm text-muted">No compute provider is active right now.</p>
      ) : (
        <ul aria-label={`Compute providers of dataset ${id}`} className="space-y-2">
          {providers.map((provider) => (
            <li key={provider.id} className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-line p-3">
              <div className="min-w-0 space-y-1 text-sm">
                <p className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">Provider #{provider.id}</span>
                  <Status provider={provider} />
                </p>
                <p className="font-mono text-xs break-all text-muted">{provider.endpoint}</p>
                <ul className="text-xs text-muted">
                  {provider.environments.map((env, i) => (
                    <li key={i}>
                      {env.label} · {env.pricePerMinute} / min
                    </li>
                  ))}
                </ul>
              </div>
              <button type="button" disabled={busy} onClick={() => void change(provider, !provider.allowed)} className={secondaryButton}>
                {provider.allowed ? 'Withdraw' : 'Allow'}
                <span className="sr-only"> provider #{provider.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ProviderAccess(props: ProviderAccessProps) {
  return (
    <OwnedDataset id={props.id} what="the compute providers">
      {({ providers }) => (providers === null ? null : <Allowances {...props} providers={providers} />)}
    </OwnedDataset>
  );
}
