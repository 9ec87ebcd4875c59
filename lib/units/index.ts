/** Units a person reads: one byte formatter for the CLI and every page. */
const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 0 → "0 B", 6144 → "6.1 kB", 938705 → "938.7 kB": powers of 1000, as file managers show sizes. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999,950 B would round to "1,000 kB": carry it to the next unit instead.
  if (unit < BYTE_UNITS.length - 1 && Math.round(Math.abs(value) * 10) >= 10_000) {
    value /= 1000;
    unit++;
  }
  return `${decimal.format(value)} ${BYTE_UNITS[unit]}`;
}
