/**
 * The owner page's data: the account's datasets and sales from the indexer. Never throws: an indexer that does
 * not answer comes back as a problem the page can explain.
 */
import 'server-only';
import type { Address } from 'viem';
import { loadConfig } from '@/lib/config';
import { DatagoraError } from '@/lib/errors';
import { IndexerClient } from '@/lib/indexer/client';
import type { OwnerProfile } from '@/lib/indexer/holdings';

export type OwnerPage = { available: true; profile: OwnerProfile } | { available: false; message: string; hint: string };

export async function readOwner(owner: Address): Promise<OwnerPage> {
  try {
    return { available: true, profile: await new IndexerClient(loadConfig().indexer.url).owner(owner) };
  } catch (error) {
    if (error instanceof DatagoraError) return { available: false, message: error.message, hint: error.hint };
    return { available: false, message: error instanceof Error ? error.message : String(error), hint: 'check the indexer with `datagora health`' };
  }
}
