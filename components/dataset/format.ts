/** Display formats of the dataset page. */
const UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB'] as const;
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** 938705 → "938.7 kB" (powers of 1000, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${decimal.format(value)} ${UNITS[unit]}`;
}

/** "Nov 24, 2026, 1:04 AM UTC": one time zone for every visitor, as the chain and the indexer count days. */
export function formatDateTime(date: Date): string {
  return `${dateTime.format(date)} UTC`;
}

/** 0x1234…cdef: enough to recognise a hash; the full one goes in a title or next to it. */
export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 8)}…${hash.slice(-6)}` : hash;
}
