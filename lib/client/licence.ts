/** Buying a download licence from the browser: the current offer, the stablecoin approval if needed, the purchase. */
import { formatUnits, parseEventLogs, type Hex } from 'viem';
import { datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { ComputeOnlyError, DatasetNotFoundError, InsufficientFundsError } from '../market/errors';
import { addressOf, send, type BrowserWallet } from './wallet';

export async function buyLicenceInBrowser(wallet: BrowserWallet, id: bigint): Promise<{ txHash: Hex; expiresAt: Date | null }> {
  const { config, publicClient } = wallet;
  const buyer = addressOf(wallet);
  const offer = await publicClient.readContract({ address: config.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'getOffer', args: [id] });
  if (offer.owner === '0x0000000000000000000000000000000000000000') throw new DatasetNotFoundError(id);
  if (offer.computeOnly) throw new ComputeOnlyError(id);
  const price = offer.downloadPrice;
  const amount = (value: bigint) => `${formatUnits(value, config.stablecoin.decimals)} ${config.stablecoin.symbol}`;
  const balance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [buyer] });
  if (balance < price) throw new InsufficientFundsError(`a licence costs ${amount(price)} but ${buyer} holds ${amount(balance)}`, 'fund the account with the market stablecoin');
  const marketplace = config.contracts.marketplace;
  const allowance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [buyer, marketplace] });
  if (allowance < price) await send(wallet, `approve the marketplace to take ${amount(price)}`, { address: offer.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [marketplace, price] });
  // The price seen here is the most the buyer pays, even if the owner raises it meanwhile.
  const { hash, logs } = await send(wallet, `buy a licence for dataset ${id}`, { address: marketplace, abi: marketplaceAbi, functionName: 'buyLicence', args: [id, price] });
  const [event] = parseEventLogs({ abi: marketplaceAbi, eventName: 'LicencePurchased', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  return { txHash: hash, expiresAt: event && event.args.expiresAt !== 0n ? new Date(Number(event.args.expiresAt) * 1000) : null };
}
