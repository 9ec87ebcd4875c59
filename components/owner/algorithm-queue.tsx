'use client';
/**
 * The approval queue of a dataset that runs only algorithms its owner approved: each algorithm of open jobs
 * not approved yet, by hash, with Approve and Reject; a file picker tells which local file has which hash.
 */
import { useState } from 'react';
import type { Hex } from 'viem';
import type { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { createSha256, toHex } from '@/lib/crypto';
import type { AlgorithmRequest } from '@/lib/client/owner';
import { browserPort } from '@/lib/client/port';
import { setAlgorithmApproval } from '@/lib/market/actions/owner';
import { OwnedDataset } from './owned-dataset';
import { chip, secondaryButton } from './styles';

/** The hash a job commits to on-chain: SHA-256 of the algorithm file (lib/compute/algorithm.ts). */
async function algorithmHashOf(file: File): Promise<Hex> {
  const hash = createSha256();
  hash.update(new Uint8Array(await file.arrayBuffer()));
  return `0x${toHex(hash.digest())}`;
}

/** Only hashes are on-chain: the owner picks the file they were sent to see whether it is the one waiting. */
function HashCheck({ requests }: { requests: AlgorithmRequest[] }) {
  const [result, setResult] = useState<string>();
  const check = async (file: File | undefined) => {
    if (!file) return setResult(undefined);
    const hash = await algorithmHashOf(file);
    const match = requests.find((r) => r.algorithmHash === hash);
    setResult(match ? `${file.name} is the algorithm of job ${match.jobIds.map((j) => `#${j}`).join(', ')}.` : `${file.name} (${hash}) matches no algorithm waiting here.`);
  };
  return (
    <div className="text-sm">
      <label className="font-medium">
        Check a file against these hashes
        <input type="file" accept=".py,.js,.mjs,.cjs" onChange={(event) => void check(event.target.files?.[0])} className="mt-1 block w-full text-xs text-muted file:mr-3 file:rounded-md file:border file:border-line file:bg-surface file:px-2 file:py-1 file:text-ink" />
      </label>
      {result ? (
        <p role="status" className="mt-1 break-words text-muted">
          {result}
        </p>
      ) : null}
    </div>
  );
}

interface AlgorithmQueueProps {
  id: string;
  run: ReturnType<typeof useBrowserWallet>['run'];
  busy: boolean;
  onAnswered: () => Promise<void>;
}

function Queue({ id, requests, run, busy, onAnswered }: AlgorithmQueueProps & { requests: AlgorithmRequest[] }) {
  const answer = async (request: AlgorithmRequest, approved: boolean) => {
    const label = approved ? 'Approving the algorithm' : 'Rejecting the algorithm';
    const done = approved ? 'Approved: its jobs start on the provider' : 'Rejected: its jobs are refused when their time runs out, and the buyers get the data fee back';
    await run(label, (wallet) => setAlgorithmApproval(browserPort(wallet), BigInt(id), request.algorithmHash, approved), done);
    await onAnswered();
  };
  return (
    <div className="space-y-3">
      <h4 className="text-sm font-semibold">Algorithms awaiting your approval</h4>
      {requests.length === 0 ? (
        <p className="text-sm text-muted">None: every open job runs an algorithm you approved.</p>
      ) : (
        <>
          <ul className="space-y-3">
            {requests.map((request) => (
              <li key={request.algorithmHash} className="space-y-2 rounded-lg border border-line p-3">
                <p className="flex flex-wrap items-center gap-2 text-sm">
                  <span className={request.rejected ? `${chip} border-warn/40 bg-warn-soft text-warn` : `${chip} bg-brand-soft`}>{request.rejected ? 'Rejected' : 'Awaiting you'}</span>
                  <span className="text-muted">{request.jobIds.length === 1 ? 'job' : 'jobs'} {request.jobIds.map((j) => `#${j}`).join(', ')}</span>
                </p>
                <code className="block font-mono text-xs break-all">{request.algorithmHash}</code>
                <div className="flex flex-wrap gap-2">
                  <button type="button" disabled={busy} onClick={() => void answer(request, true)} className={secondaryButton}>
                    Approve
                  </button>
                  {request.rejected ? null : (
                    <button type="button" disabled={busy} onClick={() => void answer(request, false)} className={secondaryButton}>
                      Reject
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
          <HashCheck requests={requests} />
        </>
      )}
    </div>
  );
}

export function AlgorithmQueue({ id, run, busy, onAnswered }: AlgorithmQueueProps) {
  return (
    <OwnedDataset id={id} what="the approval queue">
      {({ approvals }) => (approvals === null ? <p className="text-sm text-muted">Compute jobs may run any algorithm on this dataset: none waits for your approval.</p> : <Queue id={id} requests={approvals} run={run} busy={busy} onAnswered={onAnswered} />)}
    </OwnedDataset>
  );
}
