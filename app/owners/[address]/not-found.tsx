import Link from 'next/link';

export default function OwnerNotFound() {
  return (
    <div className="mx-auto max-w-3xl px-4 py-20 text-center sm:px-6">
      <p className="text-sm font-medium text-brand">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Not an owner’s address</h1>
      <p className="mt-4 text-muted">An owner’s page is at /owners/ followed by an account address: 0x and 40 hexadecimal digits.</p>
      <Link href="/#datasets" className="mt-8 inline-block rounded-lg bg-brand px-5 py-2.5 text-sm font-semibold text-brand-ink shadow-sm transition hover:opacity-90">
        Browse the datasets
      </Link>
    </div>
  );
}
