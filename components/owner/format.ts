/** Display formats of the owner's desk. */
import { formatUnits } from 'viem';
import type { ClientConfig } from '@/lib/client/config';

/** 1234500000n → "1,234.5 dUSD": exact digits, thousands grouped. */
export function formatAmount(amount: bigint, { decimals, symbol }: ClientConfig['stablecoin']): string {
  const [whole = '0', fraction] = formatUnits(amount, decimals).split('.');
  return `${BigInt(whole).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} ${symbol}`;
}
