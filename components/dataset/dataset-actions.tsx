'use client';
/**
 * The dataset page's actions: buy a licence, download (decrypted and verified in this browser), run a compute
 * job. What is offered follows the connected account's access, read live from the chain.
 */
import Link from 'next/link';
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useState } from 'react';
import { browserPort } from '@/lib/client/port';
import { fileInMemory } from '@/lib/client/streams';
import { buyLicence } from '@/lib/market/actions/buy';
import { download, type DownloadProgress } from '@/lib/market/actions/download';
import { canDecrypt as readCanDecrypt } from '@/lib/client/chain';
import { useChainRead } from '@/components/wallet/use-chain-read';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';

export interface DatasetActionsProps {
  datasetId: string;
  title: string;
  owner: `0x${string}`;
  listed: boolean;
  computeOnly: boolean;
  /** How many providers the owner allows to run jobs; undefined when they could not be read. */
  allowedProviders?: number;
  /** The terms shown on the page: the purchase is bound to them. */
  termsId: string;
  /** Prices in the stablecoin's base units, as decimal strings. */
  downloadPrice: string;
  computePrice: string;
  /** The same prices for people ("12.5 dUSD"). */
  downloadPriceLabel: string;
  computePriceLabel: string;
}

const DOWNLOAD_STEPS: Record<DownloadProgress['step'], string> = {
  'sign-in': 'Sign the sign-in message in your wallet',
  shares: 'Asking the key network for your key',
  decrypt: 'Decrypting and verifying in this browser',
};

const BUTTON = 'w-full rounded-md px-4 py-2 text-sm font-medium disabled:opacity-50';

/** Hands a file to the visitor as a download. */
function save(file: File): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function DatasetActions(props: DatasetActionsProps) {
  const { market, address, isConnected, wallet, state, run } = useBrowserWallet();
  const { openConnectModal } = useConnectModal();
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const id = BigInt(props.datasetId);
  const access = useChainRead(['can-decrypt', id, address], address && market ? (client) => readCanDecrypt(client, market.config, id, address) : undefined);
  if (!market) return null;
  const canDecrypt = access.data === true;
  const working = state.status === 'working';
  const computeHref = `/compute?dataset=${props.datasetId}`;

  return (
    <div className="space-y-3">
      {!isConnected ? (
        <button type="button" onClick={openConnectModal} className={`${BUTTON} bg-brand text-brand-ink`}>
          Connect a wallet to buy
        </button>
      ) : props.computeOnly ? (
        <p className="text-sm text-muted">Compute-only: the raw data never leaves the provider. Pay per job and receive only results.</p>
      ) : canDecrypt ? (
        <button
          type="button"
          disabled={!wallet || working}
          onClick={() =>
            void run('Downloading', async (w) => {
              const { kept, sha256 } = await download(browserPort(w), id, fileInMemory(), setProgress);
              save(kept);
              return sha256;
            }, 'Downloaded and verified against the owner’s SHA-256')
          }
          className={`${BUTTON} bg-brand text-brand-ink`}
        >
          Download
        </button>
      ) : (
        <button
          type="button"
          disabled={!wallet || working || !props.listed}
          onClick={() =>
            void run('Buying a licence', async (w) => {
              await buyLicence(browserPort(w), id, { termsId: BigInt(props.termsId), maxPrice: BigInt(props.downloadPrice) });
              await access.refetch();
            }, 'Licence bought: you can download now')
          }
          className={`${BUTTON} bg-brand text-brand-ink`}
        >
          {props.listed ? `Buy licence · ${props.downloadPriceLabel}` : 'Delisted: no new licences'}
        </button>
      )}
      {BigInt(props.computePrice) > 0n &&
        (props.allowedProviders === 0 ? (
          <p className="text-sm text-muted">Compute jobs cannot run yet: the owner allows no provider.</p>
        ) : (
          <Link href={computeHref} className={`${BUTTON} block border border-line text-center text-ink`}>
            Run a compute job · {props.computePriceLabel}
          </Link>
        ))}
      {progress && working && <p className="text-sm text-muted">{DOWNLOAD_STEPS[progress.step]}{progress.step === 'decrypt' && progress.total ? ` (${Math.round(((progress.bytes ?? 0) / progress.total) * 100)} %)` : ''}</p>}
      <TransactionStatus state={state} />
    </div>
  );
}
