/** Button looks shared by the desk's cards. */
export const primaryButton = 'rounded-lg bg-brand px-4 py-2 font-semibold text-brand-ink shadow-sm transition hover:opacity-90 disabled:opacity-60';
export const secondaryButton = 'rounded-lg border border-line px-3 py-1.5 text-sm font-semibold transition hover:bg-brand-soft disabled:opacity-60';
export const chip = 'rounded-full border border-line px-2.5 py-0.5 text-xs font-medium';
