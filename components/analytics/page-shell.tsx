import type { ReactNode } from 'react';

/** The frame of the analytics and providers pages: the title and what the page is for, then its content. */
export function PageShell({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  return (
    <div className="mx-auto max-w-6xl space-y-6 px-4 py-10 sm:px-6">
      <header className="space-y-2">
        <h1 className="text-3xl font-semibold tracking-tight">{title}</h1>
        {intro ? <p className="max-w-2xl text-muted">{intro}</p> : null}
      </header>
      {children}
    </div>
  );
}

/** What such a page shows while its figures are read: grey blocks where its cards will be. */
export function PageSkeleton({ title, label, blocks }: { title: string; label: string; blocks: string[] }) {
  return (
    <PageShell title={title}>
      <div role="status">
        <span className="sr-only">{label}</span>
        {/* Blocks pulse only for visitors who allow motion. */}
        <div aria-hidden="true" className="grid gap-6 motion-safe:animate-pulse lg:grid-cols-2">
          {blocks.map((height, i) => (
            <div key={i} className={`rounded-xl border border-line bg-surface ${height} ${i === 0 ? 'lg:col-span-2' : ''}`} />
          ))}
        </div>
      </div>
    </PageShell>
  );
}
