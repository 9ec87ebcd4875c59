import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SiteFooter } from '@/components/layout/site-footer';
import { SiteHeader } from '@/components/layout/site-header';
import { readClientConfig } from '@/lib/web/queries/client-config';
import { WalletProviders } from '@/components/wallet/wallet-providers';
import './globals.css';

export const metadata: Metadata = {
  title: 'Datagora',
  description: 'A decentralized data marketplace: encrypted datasets, on-chain licences and compute-to-data.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The wallet's chain, RPC and key nodes come from the configuration at run time: never bake them into a
  // page prerendered at build time (a build is reused by stacks on other ports).
  await connection();
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col font-sans antialiased">
        <a
          href="#content"
          className="sr-only rounded-md bg-brand px-4 py-2 text-brand-ink focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-10"
        >
          Skip to content
        </a>
        <WalletProviders config={readClientConfig()}>
          <SiteHeader />
          <main id="content" className="flex-1">
            {children}
          </main>
          <SiteFooter />
        </WalletProviders>
      </body>
    </html>
  );
}
