/**
 * The compute page's data: the providers registered on ComputeMarket (read once per block), the datasets jobs
 * can run on from the indexer's search, and the block the market was deployed at (where the browser reads a
 * job's events from). Never throws: a chain that does not answer makes the page unavailable; an indexer that
 * does not answer leaves a problem beside the providers.
 */
import type { ProviderInfo } from '../../compute/buyer/client';
import type { QueryParams } from '../../indexer/client';
import type { SearchResult } from '../../indexer/api';
import type { Market } from '../../market';
import { registeredProviders } from './dataset';
import { problemOf, type Problem } from './problem';
import { indexer, market as openMarket } from '../services';

export type ComputeSetup =
  | {
      available: true;
      /** The active ones. */
      providers: ProviderInfo[];
      datasets: { available: true; result: SearchResult } | ({ available: false } & Problem);
      startBlock: string;
      /** Amounts in the market's currency, for people. */
      formatAmount: (amount: bigint) => string;
    }
  | ({ available: false } & Problem);

/** The active providers, and the datasets `search` finds. */
export async function readComputeSetup(search: QueryParams): Promise<ComputeSetup> {
  let market: Market;
  try {
    market = await openMarket();
  } catch (error) {
    return { available: false, ...problemOf(error, 'check the market with `datagora health`') };
  }
  try {
    const [providers, datasets] = await Promise.all([
      registeredProviders(market),
      indexer()
        .search<SearchResult>(search)
        .then(
          (result) => ({ available: true as const, result }),
          (error: unknown) => ({ available: false as const, ...problemOf(error, 'start the indexer (`npm start` runs it) or set DATAGORA_INDEXER_URL') }),
        ),
    ]);
    return { available: true, providers: providers.filter((p) => p.active), datasets, startBlock: market.deployments.startBlock.toString(), formatAmount: (amount) => market.formatAmount(amount) };
  } catch (error) {
    return { available: false, ...problemOf(error, 'check the chain with `datagora health`') };
  }
}
