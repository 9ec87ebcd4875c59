import type { ReactNode } from 'react';

/** Labelled values of a job or its receipt: two columns from a phone's width up, one below it. */
export function Facts({ facts, mono = false }: { facts: [string, ReactNode][]; mono?: boolean }) {
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
      {facts.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-muted">{label}</dt>
          {/* Anywhere, not break-word: a long hash in a value must not widen the grid's column past the screen. */}
          <dd className={mono ? 'font-mono text-xs break-all sm:text-sm' : 'wrap-anywhere'}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
