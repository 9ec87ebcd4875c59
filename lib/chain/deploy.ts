/** Deploys the market's contracts to any EVM chain and describes them as a deployments file. */
import { erc20Abi, type Abi, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem';
import {
  computeMarketAbi,
  computeMarketBytecode,
  datasetRegistryAbi,
  datasetRegistryBytecode,
  marketplaceAbi,
  marketplaceBytecode,
  mockStablecoinAbi,
  mockStablecoinBytecode,
} from '../contracts';
import { deploymentsSchema, type Deployments } from './deployments';

export interface DeployOptions {
  /** Account credited with market fees; defaults to the deployer. */
  treasury?: Address;
  /** Market fee in basis points (at most 1,000). */
  feeBps: number;
  /** Deploy the 6-decimal mock stablecoin, or price in an existing ERC-20 (e.g. a testnet USDC). */
  stablecoin: { mock: true } | { mock: false; address: Address };
  /** Called after each step, for progress output. */
  onStep?: (step: string) => void;
}

type Clients = { publicClient: PublicClient<Transport, Chain>; wallet: WalletClient<Transport, Chain, Account> };

async function deploy(
  { publicClient, wallet }: Clients,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<{ address: Address; block: bigint }> {
  const hash = await wallet.deployContract({ abi, bytecode, args });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deployment transaction ${hash} failed`);
  return { address: receipt.contractAddress, block: receipt.blockNumber };
}

async function send(publicClient: PublicClient<Transport, Chain>, hash: Hex): Promise<void> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
}

/** Deploys DatasetRegistry, Marketplace and ComputeMarket (and the mock stablecoin if asked) and wires them. */
export async function deployMarket(clients: Clients, options: DeployOptions): Promise<Deployments> {
  const { publicClient, wallet } = clients;
  const deployer = wallet.account.address;
  const treasury = options.treasury ?? deployer;
  const step = options.onStep ?? (() => undefined);

  const registry = await deploy(clients, datasetRegistryAbi, datasetRegistryBytecode, [deployer]);
  step(`DatasetRegistry at ${registry.address}`);
  const marketplace = await deploy(clients, marketplaceAbi, marketplaceBytecode, [registry.address, deployer, treasury, options.feeBps]);
  step(`Marketplace at ${marketplace.address}`);
  const compute = await deploy(clients, computeMarketAbi, computeMarketBytecode, [registry.address, deployer, treasury, options.feeBps]);
  step(`ComputeMarket at ${compute.address}`);
  await send(
    publicClient,
    await wallet.writeContract({ address: marketplace.address, abi: marketplaceAbi, functionName: 'setComputeMarket', args: [compute.address] }),
  );
  // Derivatives prove their parents through these two markets' licences and delivered jobs; set once.
  await send(
    publicClient,
    await wallet.writeContract({ address: registry.address, abi: datasetRegistryAbi, functionName: 'setMarkets', args: [marketplace.address, compute.address] }),
  );

  const stablecoin = options.stablecoin.mock
    ? (await deploy(clients, mockStablecoinAbi, mockStablecoinBytecode, [deployer])).address
    : options.stablecoin.address;
  const [symbol, decimals] = await Promise.all([
    publicClient.readContract({ address: stablecoin, abi: erc20Abi, functionName: 'symbol' }),
    publicClient.readContract({ address: stablecoin, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  await send(
    publicClient,
    await wallet.writeContract({
      address: registry.address,
      abi: datasetRegistryAbi,
      functionName: 'setCurrencyAllowed',
      args: [stablecoin, true],
    }),
  );
  step(`${symbol} at ${stablecoin}${options.stablecoin.mock ? ' (mock)' : ''}, allowed as currency`);

  return deploymentsSchema.parse({
    chainId: publicClient.chain.id,
    startBlock: Number(registry.block),
    deployer,
    deployedAt: new Date().toISOString(),
    feeBps: options.feeBps,
    contracts: { datasetRegistry: registry.address, marketplace: marketplace.address, computeMarket: compute.address },
    stablecoin: { address: stablecoin, symbol, decimals, mock: options.stablecoin.mock },
  });
}
