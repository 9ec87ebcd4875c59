/**
 * A dataset owner's writes besides publishing and new versions: delist and relist, prices, which compute
 * providers may run jobs (and so see the plaintext), answers to algorithms awaiting approval, and withdrawing
 * what sales and compute jobs earned. One definition for the SDK and the browser.
 */
import type { Address, Hex } from 'viem';
import { contractsOf } from '../../contracts';
import type { SentWrite } from '../send';
import type { MarketAddresses, MarketPort } from '../port';
import type { ReleaseBudget } from '../../compute/policy';

/** Delists (no new sales; licences sold stay valid) or relists dataset `id`. */
export function setListed(port: MarketPort, id: bigint, listed: boolean): Promise<SentWrite> {
  const functionName = listed ? 'relist' : 'delist';
  return port.send(`${functionName} dataset ${id}`, { ...contractsOf(port.market).registry, functionName, args: [id] });
}

/** Changes dataset `id`'s download and compute prices (base units of its currency). */
export function setPrices(port: MarketPort, id: bigint, prices: { download: bigint; compute: bigint }): Promise<SentWrite> {
  return port.send(`change the prices of dataset ${id}`, { ...contractsOf(port.market).registry, functionName: 'setPrices', args: [id, prices.download, prices.compute] });
}

/** Allows (or, with `allowed` false, withdraws) `providerIds` on dataset `id`; nothing is sent for an empty list. */
export async function setProvidersAllowed(port: MarketPort, id: bigint, providerIds: readonly bigint[], allowed = true): Promise<SentWrite | undefined> {
  if (providerIds.length === 0) return undefined;
  const action = `${allowed ? 'allow' : 'withdraw'} provider${providerIds.length === 1 ? '' : 's'} ${providerIds.join(', ')} ${allowed ? 'on' : 'from'} dataset ${id}`;
  return port.send(action, { ...contractsOf(port.market).computeMarket, functionName: 'setProvidersAllowed', args: [id, [...providerIds], allowed] });
}

/** Sets what compute jobs may release from dataset `id` (ε and bytes; a zero field sets no limit). */
export function setReleaseBudget(port: MarketPort, id: bigint, budget: ReleaseBudget): Promise<SentWrite> {
  return port.send(`set the release budget of dataset ${id}`, { ...contractsOf(port.market).computeMarket, functionName: 'setReleaseBudget', args: [id, budget] });
}

/** Approves (its jobs run) or rejects (recorded on-chain; its jobs fail at their deadline) an algorithm on dataset `id`. */
export function setAlgorithmApproval(port: MarketPort, id: bigint, algorithmHash: Hex, approved: boolean): Promise<SentWrite> {
  return port.send(`${approved ? 'approve' : 'reject'} algorithm ${algorithmHash.slice(0, 10)}… for dataset ${id}`, {
    ...contractsOf(port.market).computeMarket,
    functionName: 'setAlgorithmApproval',
    args: [id, algorithmHash, approved],
  });
}

/** What an account holds and can withdraw, in the stablecoin's base units. */
export interface Earnings {
  /** Credited by the Marketplace for licence sales. */
  sales: bigint;
  /** Credited by the ComputeMarket for compute jobs. */
  compute: bigint;
  /** Already in the account. */
  wallet: bigint;
}

export async function readEarnings(reader: Pick<MarketPort, 'publicClient'> & { market: MarketAddresses }, account: Address): Promise<Earnings> {
  const { publicClient, market } = reader;
  const contracts = contractsOf(market);
  const token = market.stablecoin.address;
  const [sales, compute, wallet] = await Promise.all([
    publicClient.readContract({ ...contracts.marketplace, functionName: 'withdrawable', args: [token, account] }),
    publicClient.readContract({ ...contracts.computeMarket, functionName: 'withdrawable', args: [token, account] }),
    publicClient.readContract({ ...contracts.stablecoin, functionName: 'balanceOf', args: [account] }),
  ]);
  return { sales, compute, wallet };
}

/** Withdraws everything credited to the account in the stablecoin, from each contract that owes some. */
export async function withdrawEarnings(port: MarketPort): Promise<{ amount: bigint; txHashes: Hex[] }> {
  const { market } = port;
  const contracts = contractsOf(market);
  const earnings = await readEarnings(port, port.account);
  const sources = [
    { name: 'marketplace', owed: earnings.sales, contract: contracts.marketplace },
    { name: 'compute market', owed: earnings.compute, contract: contracts.computeMarket },
  ] as const;
  const txHashes: Hex[] = [];
  for (const source of sources) {
    if (source.owed === 0n) continue;
    const { hash } = await port.send(`withdraw from the ${source.name}`, { ...source.contract, functionName: 'withdraw', args: [market.stablecoin.address] });
    txHashes.push(hash);
  }
  return { amount: earnings.sales + earnings.compute, txHashes };
}
