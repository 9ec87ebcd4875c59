/** Looks shared by the compute page's parts. */
/** A text input's look; its width is the caller's. */
export const field = 'rounded-lg border border-line bg-background px-3 py-2 text-sm text-ink';
export const primaryButton = 'rounded-lg bg-brand px-4 py-2 font-semibold text-brand-ink shadow-sm transition hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-60';
export const secondaryButton = 'rounded-lg border border-line px-3 py-1.5 text-sm font-semibold transition hover:bg-brand-soft disabled:cursor-not-allowed disabled:opacity-60';
export const chip = 'rounded-full border border-line px-2 py-0.5 text-xs font-medium';
/** A choice card around a radio button: the whole card selects it, and shows when it is selected or focused. */
export const choiceCard = 'flex cursor-pointer items-start gap-3 rounded-lg border border-line p-3 transition hover:border-brand/50 has-[:checked]:border-brand has-[:checked]:bg-brand-soft has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand';
