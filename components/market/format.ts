/** Display formats shared by the market's components. */
const integer = new Intl.NumberFormat('en-US');
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 2 });

/** 12345n → "12,345". */
export function formatCount(value: bigint): string {
  return integer.format(value);
}

/** Basis points as a percentage: 250 → "2.5%". */
export function formatBps(bps: number): string {
  return percent.format(bps / 10_000);
}
