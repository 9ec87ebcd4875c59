import type { ReactNode } from 'react';

/** One titled card of the dataset page; `id` anchors it and names its heading. */
export function Section({ id, title, intro, children }: { id: string; title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-8 rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <h2 id={`${id}-title`} className="text-lg font-semibold tracking-tight">
        {title}
      </h2>
      {intro ? <p className="mt-1 text-sm text-muted">{intro}</p> : null}
      <div className="mt-5">{children}</div>
    </section>
  );
}

/** A wide table that scrolls sideways on a phone; the scroll area is focusable so keyboards can scroll it. */
export function TableScroller({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className="-mx-5 overflow-x-auto px-5 sm:mx-0 sm:px-0">
      {children}
    </div>
  );
}
