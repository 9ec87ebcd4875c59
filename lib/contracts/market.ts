/** The market's contracts as viem takes them: each address paired with its typed ABI, so calls spread one pair. */
import type { Address } from 'viem';
import { computeMarketAbi, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from './generated';

/** Where the market lives: the deployments file, the SDK's market addresses and the browser's config all fit. */
export interface MarketLocation {
  contracts: { datasetRegistry: Address; marketplace: Address; computeMarket: Address };
  stablecoin: { address: Address };
}

export interface MarketContracts {
  registry: { address: Address; abi: typeof datasetRegistryAbi };
  marketplace: { address: Address; abi: typeof marketplaceAbi };
  computeMarket: { address: Address; abi: typeof computeMarketAbi };
  /** Typed with the dev chain's mock, whose ERC-20 functions are the only ones called on a real stablecoin. */
  stablecoin: { address: Address; abi: typeof mockStablecoinAbi };
}

/** `readContract({ ...contractsOf(deployments).computeMarket, functionName: 'jobStatus', args: [id] })`. */
export function contractsOf(market: MarketLocation): MarketContracts {
  return {
    registry: { address: market.contracts.datasetRegistry, abi: datasetRegistryAbi },
    marketplace: { address: market.contracts.marketplace, abi: marketplaceAbi },
    computeMarket: { address: market.contracts.computeMarket, abi: computeMarketAbi },
    stablecoin: { address: market.stablecoin.address, abi: mockStablecoinAbi },
  };
}
