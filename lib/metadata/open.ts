/** Opens the configured metadata store; the Ceramic adapter finds each dataset's stream through the registry. */
import type { Chain, PublicClient, Transport } from 'viem';
import type { Deployments } from '../chain';
import type { Config } from '../config';
import { contractsOf } from '../contracts';
import { CeramicMetadataStore } from './ceramic';
import { cidFromPointer } from './cid';
import { MetadataStoreError } from './errors';
import type { MetadataStore } from './types';
import { IpfsMetadataStore, type BlockStore } from './ipfs';

export interface MetadataStoreDeps {
  /** Content storage, where the IPFS adapter keeps its blocks. */
  blocks: BlockStore;
  publicClient: PublicClient<Transport, Chain>;
  deployments: Deployments;
}

/**
 * The CID DatasetRegistry anchored for a dataset's first version (its DatasetPublished event): for Ceramic, the
 * genesis commit that names the dataset's stream.
 */
export async function firstVersionCid({ publicClient, deployments }: Omit<MetadataStoreDeps, 'blocks'>, datasetId: bigint): Promise<string> {
  const [published] = await publicClient.getContractEvents({
    ...contractsOf(deployments).registry,
    eventName: 'DatasetPublished',
    args: { datasetId },
    fromBlock: BigInt(deployments.startBlock),
  });
  if (!published?.args.metadata) throw new MetadataStoreError(`the registry has no DatasetPublished event for dataset ${datasetId}`);
  return cidFromPointer(published.args.metadata);
}

export function openMetadataStore(config: Pick<Config, 'metadata' | 'siweDomain'>, deps: MetadataStoreDeps): MetadataStore {
  if (config.metadata.adapter === 'ipfs') return new IpfsMetadataStore(deps.blocks);
  return new CeramicMetadataStore({ url: config.metadata.url, siweDomain: config.siweDomain, origin: (datasetId) => firstVersionCid(deps, datasetId) });
}
