/** How the analytics and providers pages write amounts, counts, rates and hours. */
import type { Amount } from '@/lib/indexer/api';

const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
// Stablecoin amounts to the cent and beyond: fees such as 8.125 show exactly, as in the CSV.
const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
const hours = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** An amount in whole units as a number, for charts and sums (display precision, not accounting). */
export function amountValue(amount: Amount): number {
  return Number(amount.value);
}

/** A formatter of whole-unit amounts in `symbol`: 1234.5 → "1,234.5 dUSD". */
export function money(symbol: string): (value: number) => string {
  return (value) => `${exact.format(value)} ${symbol}`;
}

/** 12345 → "12,345". */
export function formatCount(value: number): string {
  return decimal.format(value);
}

/** Minutes as hours: 90 → "1.5 h". */
export function formatHours(minutes: number): string {
  return `${hours.format(minutes / 60)} h`;
}

/** A ratio from the indexer (0.3333) as a percentage, or a dash when there is nothing to divide. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : percent.format(rate);
}

/** "1 licence", "2 licences". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}
