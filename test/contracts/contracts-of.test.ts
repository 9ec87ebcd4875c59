/** contractsOf: each of the market's addresses paired with the ABI of the contract deployed there. */
import { computeMarketAbi, contractsOf, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '@/lib/contracts';

const market = {
  contracts: {
    datasetRegistry: '0x0000000000000000000000000000000000000001',
    marketplace: '0x0000000000000000000000000000000000000002',
    computeMarket: '0x0000000000000000000000000000000000000003',
  },
  stablecoin: { address: '0x0000000000000000000000000000000000000004', symbol: 'dUSD', decimals: 6 },
} as const;

it('pairs each contract address with its ABI', () => {
  expect(contractsOf(market)).toEqual({
    registry: { address: market.contracts.datasetRegistry, abi: datasetRegistryAbi },
    marketplace: { address: market.contracts.marketplace, abi: marketplaceAbi },
    computeMarket: { address: market.contracts.computeMarket, abi: computeMarketAbi },
    stablecoin: { address: market.stablecoin.address, abi: mockStablecoinAbi },
  });
});
