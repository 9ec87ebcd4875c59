/** Units a person reads: one byte formatter and one token-amount formatter for the CLI and every page. */
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

const grouped = new Intl.NumberFormat('en-US');

/** What an amount of a token needs to be read: its decimals and its symbol. */
export interface Token {
  decimals: number;
  symbol: string;
}

/** A token's amount for people, one formatter for the CLI and every page: 999855020000n (6 decimals) → "999,855.02 dUSD", every digit kept. */
export function formatAmount(amount: bigint, token: Token): string {
  const magnitude = amount < 0n ? -amount : amount;
  const scale = 10n ** BigInt(token.decimals);
  const fraction = (magnitude % scale).toString().padStart(token.decimals, '0').replace(/0+$/, '');
  return `${amount < 0n ? '-' : ''}${grouped.format(magnitude / scale)}${fraction ? `.${fraction}` : ''} ${token.symbol}`;
}
