import Link from 'next/link';
import { shortHash } from '@/components/dataset/format';

/** An owner's address that opens their page (/owners/<address>): their datasets and sales. */
export function OwnerLink({ address, full = false, className = '' }: { address: string; full?: boolean; className?: string }) {
  return (
    <Link href={`/owners/${address}`} prefetch={false} title={address} className={`font-mono text-xs text-brand underline-offset-4 hover:underline ${full ? 'break-all' : ''} ${className}`}>
      {full ? address : shortHash(address)}
    </Link>
  );
}
