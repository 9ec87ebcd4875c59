import Link from 'next/link';

export default function TransactionNotFound() {
  return (
    <div className="mx-auto max-w-3xl px-4 py-20 text-center sm:px-6">
      <p className="text-sm font-medium text-brand">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">No such transaction</h1>
      <p className="mt-4 text-muted">The chain knows no transaction with this hash. A transaction hash is 0x followed by 64 hexadecimal digits.</p>
      <Link href="/" className="mt-8 inline-block rounded-lg bg-brand px-5 py-2.5 text-sm font-semibold text-brand-ink shadow-sm transition hover:opacity-90">
        Back to the market
      </Link>
    </div>
  );
}
