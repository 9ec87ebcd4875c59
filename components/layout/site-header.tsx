import Link from 'next/link';
import { HeaderNetworkGuard, HeaderWallet } from '@/components/wallet/header-wallet';
import { Logo } from './logo';

const NAV = [
  { href: '/#datasets', label: 'Market' },
  { href: '/publish', label: 'Publish' },
  { href: '/my-datasets', label: 'My datasets' },
  { href: '/purchases', label: 'My purchases' },
  { href: '/compute', label: 'Compute' },
  { href: '/analytics', label: 'Analytics' },
  { href: '/providers', label: 'Providers' },
] as const;

/** The top bar on every page: the product name, the pages, and the wallet. */
export function SiteHeader() {
  return (
    <>
    <header className="border-b border-line bg-surface/80 backdrop-blur supports-[backdrop-filter]:bg-surface/70">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-ink">
          <Logo className="size-7 text-brand" />
          <span className="text-lg">Datagora</span>
        </Link>
        <nav aria-label="Main">
          <ul className="-ml-3 flex flex-wrap items-center gap-1 text-sm font-medium sm:ml-0">
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className="rounded-md px-3 py-2 text-muted transition-colors hover:bg-brand-soft hover:text-ink">
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <HeaderWallet />
      </div>
    </header>
    <HeaderNetworkGuard />
    </>
  );
}
