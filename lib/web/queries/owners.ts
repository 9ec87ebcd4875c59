/**
 * The owner page's data: the account's datasets and sales from the indexer's read model. Never throws: an
 * indexer that does not answer comes back as a problem the page can explain.
 */
import type { Address } from 'viem';
import type { OwnerProfile } from '../../indexer/api';
import { problemOf, type Problem } from './problem';
import { indexer } from '../services';

export type OwnerPage = { available: true; profile: OwnerProfile } | ({ available: false } & Problem);

export async function readOwner(owner: Address): Promise<OwnerPage> {
  try {
    return { available: true, profile: await indexer().owner(owner) };
  } catch (error) {
    return { available: false, ...problemOf(error, 'check the indexer with `datagora health`') };
  }
}
