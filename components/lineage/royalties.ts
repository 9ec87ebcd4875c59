/** How pages write royalties: amounts in the market's stablecoin, per currency with their number of payments. */
import { isAddressEqual, type Address } from 'viem';
import type { RoyaltySum } from '@/lib/indexer/api';
import { formatAmount, type Token } from '@/lib/units';

export type Stablecoin = Token & { address: Address };

/** An amount in base units of `currency`: the stablecoin as every page writes it, any other (no terms here use one) in base units. */
export function currencyAmount(stablecoin: Stablecoin, currency: string, amount: string): string {
  return isAddressEqual(currency as Address, stablecoin.address) ? formatAmount(BigInt(amount), stablecoin) : `${amount} base units of ${currency}`;
}

/** One line per currency: "12.5 dUSD in 3 payments". */
export function royaltyLines(stablecoin: Stablecoin, sums: readonly RoyaltySum[]): string[] {
  return sums.map((sum) => `${currencyAmount(stablecoin, sum.currency, sum.amount)} in ${sum.payments} ${sum.payments === 1 ? 'payment' : 'payments'}`);
}
