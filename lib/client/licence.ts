/** Buying a download licence from the browser, with the wallet (lib/market/licence.ts). */
import { formatUnits, type Hex } from 'viem';
import { buyLicence, type AcceptedOffer } from '../market/licence';
import { addressOf, send, type BrowserWallet } from './wallet';

/** Buys under the terms the page showed (`accepted.termsId`): a switch in flight fails with words, not a sale. */
export function buyLicenceInBrowser(wallet: BrowserWallet, id: bigint, accepted: AcceptedOffer): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null }> {
  const { config } = wallet;
  return buyLicence(
    {
      publicClient: wallet.publicClient,
      address: addressOf(wallet),
      contracts: config.contracts,
      formatAmount: (amount) => `${formatUnits(amount, config.stablecoin.decimals)} ${config.stablecoin.symbol}`,
      send: (action, request) => send(wallet, action, request),
    },
    id,
    accepted,
  );
}
