/**
 * The owner page's data: the account's datasets, sales and royalty income from the indexer's read model, and the
 * stablecoin its amounts are in. Never throws: an
 * indexer that does not answer comes back as a problem the page can explain.
 */
import type { Address } from 'viem';
import type { OwnerProfile } from '../../indexer/api';
import type { Deployments } from '../../chain/deployments';
import { problemOf, type Problem } from './problem';
import { deployments, indexer } from '../services';

export type OwnerPage = { available: true; profile: OwnerProfile; stablecoin: Deployments['stablecoin'] } | ({ available: false } & Problem);

export async function readOwner(owner: Address): Promise<OwnerPage> {
  try {
    const [profile, { stablecoin }] = await Promise.all([indexer().owner(owner), deployments()]);
    return { available: true, profile, stablecoin };
  } catch (error) {
    return { available: false, ...problemOf(error, 'check the indexer with `datagora health`') };
  }
}
