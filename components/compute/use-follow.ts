'use client';
/**
 * A job's status at its node — or a federated job's session — followed live by the SDK's watchers: the latest view,
 * whether the stream is reconnecting, and why the node refused it.
 */
import { useEffect, useState } from 'react';
import { usePublicClient } from 'wagmi';
import type { LocalJob, Watcher } from '@/lib/client/compute';
import type { BrowserWallet } from '@/lib/client/wallet';

type Watch<V> = (wallet: Pick<BrowserWallet, 'publicClient'>, job: LocalJob, watcher: Watcher<V>) => () => void;

/** Follows `job` with `watch` (watchJob or watchSession) while `enabled`. */
export function useFollow<V>(watch: Watch<V>, job: LocalJob, enabled = true): { view: V | null; reconnecting: boolean; refused: unknown } {
  const [view, setView] = useState<V | null>(null);
  const [reconnecting, setReconnecting] = useState(false);
  const [refused, setRefused] = useState<unknown>(null);
  const publicClient = usePublicClient();
  useEffect(() => {
    if (!enabled || !publicClient) return;
    return watch({ publicClient: publicClient as Parameters<Watch<V>>[0]['publicClient'] }, job, {
      status: (next) => {
        setView(next);
        setReconnecting(false);
      },
      reconnecting: () => setReconnecting(true),
      failed: setRefused,
    });
  }, [watch, job, enabled, publicClient]);
  return { view, reconnecting, refused };
}
