/**
 * Buying a download licence, for the SDK and the browser alike: the current offer, the buyer's balance, the
 * stablecoin approval if needed, and the purchase under the terms the buyer accepted (the contract reverts with
 * TermsMismatch if the owner switched them in flight). The dataset's owner never buys (it holds every right
 * already), nor does the holder of a perpetual licence.
 */
import { isAddressEqual, parseEventLogs, type Hex } from 'viem';
import { contractsOf, marketplaceAbi, mockStablecoinAbi } from '../../contracts';
import { formatAmount } from '../../units';
import { ComputeOnlyError, InsufficientFundsError, OwnDatasetError } from '../errors';
import { licenceExpiry, readLicence, readOffer, termsChanged, type AcceptedOffer } from '../licence';
import type { MarketPort } from '../port';

export async function buyLicence(port: MarketPort, id: bigint, accepted: AcceptedOffer = {}): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null; termsId: bigint }> {
  const { publicClient, account, market } = port;
  const { marketplace } = contractsOf(market);
  const offer = await readOffer(publicClient, market.contracts.datasetRegistry, id);
  if (isAddressEqual(offer.owner, account)) throw new OwnDatasetError(id, account);
  const termsId = accepted.termsId ?? offer.termsId;
  if (termsId !== offer.termsId) throw termsChanged(id, termsId, offer.termsId);
  if (offer.computeOnly) throw new ComputeOnlyError(id);
  await readLicence({ publicClient, address: account, contracts: market.contracts }, id);
  const price = offer.downloadPrice;
  const amount = (value: bigint) => formatAmount(value, market.stablecoin);
  const action = `buy a licence for dataset ${id}`;
  const balance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [account] });
  if (balance < price) {
    throw new InsufficientFundsError(`cannot ${action}: it costs ${amount(price)} but ${account} holds ${amount(balance)}`, 'fund the account with the market stablecoin');
  }
  await port.beforeWrites?.(action);
  const allowance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [account, marketplace.address] });
  if (allowance < price) {
    await port.send(`approve the marketplace to take ${amount(price)}`, { address: offer.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [marketplace.address, price] });
  }
  // The terms (and so the price, currency and rights) read here are the ones bought, even if the owner switches
  // them meanwhile: the contract then reverts with TermsMismatch.
  const { hash, logs } = await port.send(action, { ...marketplace, functionName: 'buyLicence', args: [id, termsId, accepted.maxPrice ?? price] });
  const [event] = parseEventLogs({ abi: marketplaceAbi, eventName: 'LicencePurchased', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  return { txHash: hash, price, expiresAt: event ? licenceExpiry(event.args.expiresAt) : null, termsId };
}
