/**
 * The compute page's data: the active providers and their environments from ComputeMarket, the datasets jobs can
 * run on from the indexer's search, and the block the market was deployed at (where the browser reads a job's
 * events from). Never throws: a chain that does not answer makes the page unavailable; an indexer that does not
 * answer leaves a note and a dataset id to type.
 */
import 'server-only';
import { BaseError } from 'viem';
import { ComputeClient } from '@/lib/compute/client';
import { ResourceKind } from '@/lib/compute/settlement';
import { loadConfig } from '@/lib/config';
import { DatagoraError } from '@/lib/errors';
import { IndexerClient } from '@/lib/indexer/client';
import type { SearchResult } from '@/lib/indexer/search';
import { Market } from '@/lib/market';
import { COMPUTABLE, datasetOption, type DatasetList, type ProviderOption } from './options';

export interface Problem {
  message: string;
  hint: string;
}

export type ComputeSetup =
  | { available: true; providers: ProviderOption[]; datasets: DatasetList; startBlock: string }
  | ({ available: false } & Problem);

function problem(error: unknown, hint: string): Problem {
  if (error instanceof DatagoraError) return { message: error.message, hint: error.hint };
  const message = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { message, hint };
}

async function readProviders(market: Market): Promise<ProviderOption[]> {
  const providers = (await new ComputeClient(market).providers()).filter((p) => p.active);
  return providers.map((p) => ({
    id: p.id.toString(),
    endpoint: p.endpoint,
    environments: p.environments.map((env, index) => ({
      index,
      label: env.kind === ResourceKind.Gpu ? `GPU: ${env.gpus}× ${env.gpuModel}, ${env.cpus} CPUs, ${env.memoryMb} MB` : `CPU: ${env.cpus} CPUs, ${env.memoryMb} MB`,
      pricePerMinute: market.formatAmount(env.pricePerMinute),
    })),
  }));
}

export async function readComputeSetup(): Promise<ComputeSetup> {
  let market: Market;
  let indexer: IndexerClient;
  try {
    const config = loadConfig();
    indexer = new IndexerClient(config.indexer.url);
    market = await Market.open(config);
  } catch (error) {
    return { available: false, ...problem(error, 'check the market with `datagora health`') };
  }
  try {
    const [providers, datasets] = await Promise.all([
      readProviders(market),
      indexer.search<SearchResult>(COMPUTABLE).then(
        (result) => ({ available: true as const, items: result.items.map(datasetOption), total: result.total }),
        (error: unknown) => ({ available: false as const, ...problem(error, 'start the indexer (`npm start` runs it) or set DATAGORA_INDEXER_URL') }),
      ),
    ]);
    return { available: true, providers, datasets, startBlock: market.deployments.startBlock.toString() };
  } catch (error) {
    return { available: false, ...problem(error, 'check the chain with `datagora health`') };
  } finally {
    await market.close();
  }
}
