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
        {/* On a phone the wallet shares the name's row and the pages scroll sideways in one row below, fading out at the edge to say there are more. */}
        <nav
          aria-label="Main"
          className="order-last -mx-4 w-[calc(100%+2rem)] overflow-x-auto px-1.5 [mask-image:linear-gradient(to_right,#000_85%,transparent)] sm:order-none sm:mx-0 sm:w-auto sm:px-0 sm:[mask-image:none]"
        >
          <ul className="flex items-center gap-1 text-sm font-medium whitespace-nowrap sm:flex-wrap">
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className="block rounded-md px-2.5 py-1.5 text-muted transition-colors hover:bg-brand-soft hover:text-ink sm:px-3 sm:py-2">
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
