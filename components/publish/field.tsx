/** The wizard's labelled field, with a hint or the problem that keeps the step from going on. */
import type { ReactNode } from 'react';

export const INPUT = 'w-full rounded-md border border-line bg-surface px-3 py-2 text-sm text-ink';

export function Field({ label, id, problem, hint, children }: { label: string; id: string; problem?: string; hint?: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && !problem && <p className="text-xs text-muted">{hint}</p>}
      {problem && (
        <p id={`${id}-problem`} className="text-xs text-warn" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
