import Link from 'next/link';
import { shortHash } from '@/components/dataset/format';

/**
 * A transaction hash that opens its transaction page: /tx/<hash>, the app's own on chains without an explorer,
 * which sends the visitor on to the explorer when DATAGORA_EXPLORER_URL names one.
 */
export function TxLink({ hash, full = false, className = '' }: { hash: string; full?: boolean; className?: string }) {
  return (
    <Link href={`/tx/${hash}`} prefetch={false} title={hash} className={`font-mono text-xs text-brand underline-offset-4 hover:underline ${full ? 'break-all' : ''} ${className}`}>
      {full ? hash : shortHash(hash)}
    </Link>
  );
}
