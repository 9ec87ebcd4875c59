/**
 * An asset's lineage and royalties as its page shows them, from the indexer's read model: the graph around it, and
 * what it earned from its derivatives and paid its ancestors. Never throws: an indexer that does not answer, or
 * has not read the asset yet, comes back as a problem the page can explain.
 */
import type { Address } from 'viem';
import type { AssetLineage, AssetRoyalties } from '../../indexer/api';
import { QueryError } from '../../indexer/errors';
import type { Token } from '../../units';
import type { BlockReads } from '../cache';
import { problemOf, type Problem } from './problem';
import { indexedRead } from '../services';

export type Lineage = { available: true; graph: AssetLineage; royalties: AssetRoyalties; stablecoin: Token & { address: Address } } | ({ available: false } & Problem);

/** Asset `id`'s lineage graph and royalties, kept for the block `at` when the indexer holds it. */
export async function readLineage(id: bigint, stablecoin: Token & { address: Address }, at: BlockReads): Promise<Lineage> {
  try {
    const [graph, royalties] = await Promise.all([
      indexedRead(`lineage:${id}`, (client) => client.lineage(id), at),
      indexedRead(`royalties:${id}`, (client) => client.royalties(id), at),
    ]);
    return { available: true, graph, royalties, stablecoin };
  } catch (error) {
    // The chain knows the asset (its page just read it there): the indexer is behind, not wrong.
    if (error instanceof QueryError && error.parameter === 'datasetId') {
      return { available: false, message: 'the indexer has not read this asset yet', hint: 'its lineage appears once the indexer catches up with the chain; reload in a moment' };
    }
    return { available: false, ...problemOf(error, 'start the indexer (`npm start` runs it) or set DATAGORA_INDEXER_URL') };
  }
}
