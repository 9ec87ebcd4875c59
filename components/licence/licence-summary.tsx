/**
 * A licence in plain language: what a licensee may do, may do under conditions, and may not do. No hooks and
 * no server-only imports, so server pages and client forms (the publish wizard) both render it.
 */
import { explainLicence, type LicenceItem, type Permission, type PermissionTerms } from '@/lib/licence/explain';

const MARKS = {
  yes: { label: 'Allowed', tone: 'bg-ok/15 text-ok', path: 'm5 12.5 4.5 4.5L19 7.5' },
  conditional: { label: 'Allowed with conditions', tone: 'bg-warn-soft text-warn', path: 'M12 7v6m0 4h.01' },
  no: { label: 'Not allowed', tone: 'bg-line text-muted', path: 'M7 7l10 10M17 7 7 17' },
} as const;

function markOf(allowed: Permission): keyof typeof MARKS {
  if (allowed === 'conditional') return 'conditional';
  return allowed ? 'yes' : 'no';
}

function Item({ item }: { item: LicenceItem }) {
  const mark = MARKS[markOf(item.allowed)];
  return (
    <li className="flex gap-3">
      <span className={`mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full ${mark.tone}`}>
        <svg viewBox="0 0 24 24" aria-hidden="true" className="size-4" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round">
          <path d={mark.path} />
        </svg>
      </span>
      <div className="min-w-0">
        <p className="font-medium">
          <span className="sr-only">{mark.label}: </span>
          {item.title}
        </p>
        <p className="mt-0.5 text-sm text-muted">{item.detail}</p>
      </div>
    </li>
  );
}

/** The terms' permissions as a list with a check, a cross or a conditional mark each. */
export function LicenceSummary({ terms }: { terms: PermissionTerms }) {
  return (
    <ul className="grid gap-x-8 gap-y-5 sm:grid-cols-2">
      {explainLicence(terms).map((item) => (
        <Item key={item.key} item={item} />
      ))}
    </ul>
  );
}
