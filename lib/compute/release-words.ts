/**
 * A dataset's release budget and spend in words, the same on the owner's desk and in `datagora budget`: ε as a
 * decimal, bytes in the kilobytes the budget's inputs take (1 kB = 1024 bytes, as --max-release-kb counts them),
 * and "no limit" for a zero field. No Node imports: pages use it.
 */
import type { ReleaseLimitsView } from '../indexer/api';
import { fromMicroEpsilon } from '../privacy';

export const NO_LIMIT = 'no limit';

/** ε from millionths (a decimal string or bigint, as the chain counts it): "1.5". */
export function epsilonText(micro: string | bigint): string {
  return fromMicroEpsilon(BigInt(micro)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** Bytes as "512 B", "64 kB" or "1.5 MB", in powers of 1024. */
export function releaseBytesText(bytes: string | bigint): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${units[unit]}`;
}

/** Each limit of `budget` (null: never set) labelled, in words. */
export function budgetLines(budget: ReleaseLimitsView | null): { label: string; value: string }[] {
  const limit = (value: string | undefined, words: (raw: string) => string) => (value === undefined || value === '0' ? NO_LIMIT : words(value));
  return [
    { label: 'ε per buyer', value: limit(budget?.epsilonPerBuyer, epsilonText) },
    { label: 'ε in all', value: limit(budget?.epsilonTotal, epsilonText) },
    { label: 'Bytes per job', value: limit(budget?.bytesPerJob, releaseBytesText) },
    { label: 'Bytes per buyer', value: limit(budget?.bytesPerBuyer, releaseBytesText) },
  ];
}
