/**
 * The chain as the pages read it in the browser for the connected account — what it holds and may decrypt — so
 * that components show state without knowing contracts or ABIs. A job's status is read by the compute flows'
 * own `readJobStatus`.
 */
import type { Address, Chain, PublicClient, Transport } from 'viem';
import { contractsOf, type MarketLocation } from '../contracts';

type Reader = PublicClient<Transport, Chain>;

/** The account's balance in the market stablecoin (base units). */
export function stablecoinBalance(client: Reader, market: MarketLocation, account: Address): Promise<bigint> {
  return client.readContract({ ...contractsOf(market).stablecoin, functionName: 'balanceOf', args: [account] });
}

/** Whether the key nodes would release dataset `id`'s key to the account (a valid licence, or its owner). */
export function canDecrypt(client: Reader, market: MarketLocation, id: bigint, account: Address): Promise<boolean> {
  return client.readContract({ ...contractsOf(market).marketplace, functionName: 'canDecrypt', args: [id, account] });
}

/** The expiry of the account's licence on dataset `id` as the Marketplace holds it: 0 for none. */
export async function licenceExpiresAt(client: Reader, market: MarketLocation, id: bigint, account: Address): Promise<bigint> {
  return (await client.readContract({ ...contractsOf(market).marketplace, functionName: 'licenceOf', args: [id, account] })).expiresAt;
}
