/**
 * The arithmetic behind the charts: round axis ticks, positions on an axis, dates on a time axis and the
 * one-line summaries screen readers hear. Pure, so it is tested without React.
 */

export interface Axis {
  /** Round values from `min` to `max`, evenly spaced, zero included. */
  ticks: number[];
  min: number;
  max: number;
}

/** The smallest step of 1, 2, 2.5 or 5 × 10^k that is at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * About `intervals` round steps covering every value and zero (bars and volumes grow from zero). Whole-number
 * data keeps whole-number ticks (no "0.5 sales"); with no data or only zeros the axis runs from 0 to 1.
 */
export function niceAxis(values: readonly number[], intervals = 4): Axis {
  const finite = values.filter(Number.isFinite);
  const low = finite.reduce((min, v) => Math.min(min, v), 0);
  let high = finite.reduce((max, v) => Math.max(max, v), 0);
  if (high === low) high = low + 1;
  let step = niceStep((high - low) / intervals);
  if (finite.every(Number.isInteger)) step = Math.max(step, 1);
  // Enough decimals for a step such as 0.25, so that 3 × 0.1 shows as 0.3, not 0.30000000000000004.
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let i = Math.floor(low / step); i <= Math.ceil(high / step); i += 1) ticks.push(Number((i * step).toFixed(decimals)));
  return { ticks, min: ticks[0] ?? 0, max: ticks[ticks.length - 1] ?? 1 };
}

/** Where `value` sits on the axis, from 0 (its minimum) to 1 (its maximum). */
export function position(value: number, axis: Axis): number {
  return (value - axis.min) / (axis.max - axis.min);
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD date, in UTC like the indexer's daily report. */
export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** Where each date sits between the first and the last, from 0 to 1; a single day sits in the middle. */
export function datePositions(dates: readonly string[]): Map<string, number> {
  const days = dates.map(dayNumber);
  const first = Math.min(...days);
  const span = Math.max(...days) - first;
  return new Map(dates.map((date, i) => [date, span === 0 ? 0.5 : ((days[i] ?? first) - first) / span]));
}

/**
 * At most `count` of the sorted `dates` to label on the axis, evenly spaced by a whole number of entries and
 * counted back from the last (the latest day is the one readers look for), in order.
 */
export function dateTicks(dates: readonly string[], count = 5): string[] {
  if (dates.length <= count) return [...dates];
  const step = Math.ceil((dates.length - 1) / (count - 1));
  const picked: string[] = [];
  for (let i = dates.length - 1; i >= 0; i -= step) picked.unshift(dates[i] ?? '');
  return picked;
}

const shortDate = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDate = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

/** "Nov 24", or "Nov 24, 2026" when the chart spans several years and the year is needed to tell dates apart. */
export function formatDay(date: string, withYear = false): string {
  return (withYear ? longDate : shortDate).format(new Date(`${date}T00:00:00Z`));
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** What a chart shows its values with unless told otherwise. */
export function formatNumber(value: number): string {
  return number.format(value);
}

/** "A 3, B 2 and C 1", naming at most `limit` items and counting the rest. */
export function listSummary(items: readonly string[], limit = 5): string {
  const named = items.slice(0, limit);
  const rest = items.length - named.length;
  if (rest > 0) return `${named.join(', ')} and ${rest} more`;
  if (named.length <= 1) return named.join('');
  return `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
}
