/**
 * A decoded argument as people read it: stablecoin amounts in the coin (base units beside), times as dates,
 * periods in days, basis points as percentages, addresses and datasets linked, structs field by field.
 */
import Link from 'next/link';
import { formatDateTime } from '@/components/dataset/format';
import { OwnerLink } from '@/components/owners/owner-link';
import type { DecodedValue } from '@/lib/chain/transaction';
import { periodText } from '@/lib/licence/explain';
import { formatAmount, type Token } from '@/lib/units';

/** The names the market's contracts give, in arguments and struct fields, to what is not a plain number. */
const AMOUNTS = new Set(['price', 'maxPrice', 'fee', 'escrow', 'amount', 'value', 'dataFee', 'maxPayment', 'pricePerMinute', 'downloadPrice', 'computePrice', 'ownerAmount', 'providerAmount', 'marketFee', 'buyerRefund']);
const TIMES = new Set(['deadline', 'expiresAt']);
const PERIODS = new Set(['accessDuration', 'window']);
const BASIS_POINTS = new Set(['bps', 'feeBps', 'previousBps', 'commercialRevShare']);
/** The registry's tokens are its datasets. */
const DATASET_IDS = new Set(['datasetId', 'tokenId']);
/** type(uint64).max: the contracts' "never", a perpetual licence's expiry. */
const NEVER = (2n ** 64n - 1n).toString();
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const UINT = /^\d+$/;

const raw = 'font-mono text-xs break-all';
/** The base units or seconds beside a readable amount or date: short, so kept on one line. */
const beside = 'font-mono text-xs whitespace-nowrap text-muted';

function Leaf({ name, value, token }: { name: string; value: string; token: Token }) {
  if (ADDRESS.test(value)) return <OwnerLink address={value} full />;
  if (!UINT.test(value)) return <code className={raw}>{value}</code>;
  if (DATASET_IDS.has(name)) {
    return (
      <Link href={`/datasets/${value}`} className="font-mono text-xs text-brand underline-offset-4 hover:underline">
        {value}
      </Link>
    );
  }
  if (AMOUNTS.has(name)) {
    return (
      <span>
        {formatAmount(BigInt(value), token)} <code className={beside}>({value} base units)</code>
      </span>
    );
  }
  if (TIMES.has(name)) {
    if (value === NEVER) return <span>never (perpetual)</span>;
    const date = new Date(Number(value) * 1000);
    return (
      <span>
        <time dateTime={date.toISOString()}>{formatDateTime(date)}</time> <code className={beside}>({value})</code>
      </span>
    );
  }
  if (PERIODS.has(name)) return <span>{periodText(BigInt(value))}</span>;
  if (BASIS_POINTS.has(name)) return <span>{Number(value) / 100}%</span>;
  return <code className={raw}>{value}</code>;
}

/** A struct's fields or an array's items (bigints arrive as strings, small integers as numbers). */
function Structured({ name, value, token }: { name: string; value: unknown; token: Token }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="text-muted">none</span>;
    return (
      <ol className="space-y-2">
        {value.map((item, i) => (
          <li key={i}>
            <Structured name={name} value={item} token={token} />
          </li>
        ))}
      </ol>
    );
  }
  if (value !== null && typeof value === 'object') {
    return (
      <dl className="space-y-1 border-l-2 border-line pl-3">
        {Object.entries(value).map(([field, item]) => (
          <div key={field} className="grid gap-x-3 sm:grid-cols-[9rem_minmax(0,1fr)]">
            <dt className="text-muted">{field}</dt>
            <dd className="min-w-0">
              <Structured name={field} value={item} token={token} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <Leaf name={name} value={String(value)} token={token} />;
}

export function DecodedArgument({ arg, token }: { arg: DecodedValue; token: Token }) {
  if (!arg.type.startsWith('tuple') && !arg.type.endsWith(']')) return <Leaf name={arg.name} value={arg.value} token={token} />;
  // lib/chain/transaction.ts writes every struct and array as JSON.
  return <Structured name={arg.name} value={JSON.parse(arg.value)} token={token} />;
}
