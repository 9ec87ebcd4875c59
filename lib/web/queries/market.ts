/**
 * The live facts the landing page shows. The market's counters are read once per block (the chain cannot change
 * them within one); the head is asked on every visit. Never throws: a chain that is down, a missing deployments
 * file or contracts without code come back as a `MarketUnavailable` the page can explain.
 */
import type { Address } from 'viem';
import { WrongChainError, type Deployments } from '../../chain';
import { loadConfig } from '../../config';
import { contractsOf } from '../../contracts';
import { problemOf } from './problem';
import { chainReads, deployments as readDeployments, publicClient } from '../services';

export interface MarketFacts {
  available: true;
  rpcUrl: string;
  chainId: number;
  chainName: string;
  blockNumber: bigint;
  contracts: Deployments['contracts'];
  stablecoin: { address: Address; symbol: string; mock: boolean };
  datasets: bigint;
  licenceTerms: bigint;
  providers: bigint;
  computeJobs: bigint;
  /** Fees in basis points taken on licence sales (Marketplace) and compute jobs (ComputeMarket). */
  licenceFeeBps: number;
  computeFeeBps: number;
  readAt: Date;
}

/** The step that failed decides what the page tells the visitor. */
export type MarketProblem = 'config' | 'deployments' | 'chain' | 'contracts';

export interface MarketUnavailable {
  available: false;
  problem: MarketProblem;
  rpcUrl?: string;
  message: string;
  /** What an operator can do about it. */
  hint: string;
}

export type MarketSnapshot = MarketFacts | MarketUnavailable;

/** Hints for failures that do not carry their own (viem's errors, plain errors). */
const FALLBACK_HINTS: Record<MarketProblem, string> = {
  config: 'fix the environment variables named above (see the README table)',
  deployments: 'run `datagora deploy` (or `npm start` for the local chain) to write the deployments file',
  chain: 'start the chain (npm start) or fix DATAGORA_RPC_URL',
  contracts: 'redeploy the market (`datagora deploy`) or point DATAGORA_DEPLOYMENTS at the file written for this chain',
};

function unavailable(problem: MarketProblem, error: unknown, rpcUrl?: string): MarketUnavailable {
  return { available: false, problem, rpcUrl, ...problemOf(error, FALLBACK_HINTS[problem]) };
}

/** Reads chain, deployments and the market's counters; each failure names the step that failed. */
export async function readMarket(): Promise<MarketSnapshot> {
  let rpcUrl: string;
  try {
    rpcUrl = loadConfig().chain.rpcUrl;
  } catch (error) {
    return unavailable('config', error);
  }

  let deployments: Deployments;
  try {
    deployments = await readDeployments();
  } catch (error) {
    return unavailable('deployments', error, rpcUrl);
  }

  let client: Awaited<ReturnType<typeof publicClient>>;
  let blockNumber: bigint;
  try {
    client = await publicClient();
    blockNumber = await (await chainReads()).head();
  } catch (error) {
    // A chain that answers with another id is up: the deployments belong elsewhere.
    return unavailable(error instanceof WrongChainError ? 'contracts' : 'chain', error, rpcUrl);
  }

  const { registry, marketplace, computeMarket } = contractsOf(deployments);
  try {
    const reads = await chainReads();
    const [datasets, licenceTerms, providers, computeJobs, licenceFeeBps, computeFeeBps] = await reads.readAt(blockNumber, 'market', () => Promise.all([
      client.readContract({ ...registry, functionName: 'datasetCount' }),
      client.readContract({ ...registry, functionName: 'termsCount' }),
      client.readContract({ ...computeMarket, functionName: 'providerCount' }),
      client.readContract({ ...computeMarket, functionName: 'jobCount' }),
      client.readContract({ ...marketplace, functionName: 'feeBps' }),
      client.readContract({ ...computeMarket, functionName: 'feeBps' }),
    ]));
    return {
      available: true,
      rpcUrl,
      chainId: client.chain.id,
      chainName: client.chain.name,
      blockNumber,
      contracts: deployments.contracts,
      stablecoin: { address: deployments.stablecoin.address, symbol: deployments.stablecoin.symbol, mock: deployments.stablecoin.mock },
      datasets,
      licenceTerms,
      providers,
      computeJobs,
      licenceFeeBps,
      computeFeeBps,
      // The counters hold for the head block, which this visit has just asked for.
      readAt: new Date(),
    };
  } catch (error) {
    return unavailable('contracts', error, rpcUrl);
  }
}
