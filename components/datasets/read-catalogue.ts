/** The catalogue the home page lists, read through the market SDK (chain + verified metadata on IPFS). */
import 'server-only';
import { loadConfig } from '@/lib/config';
import { DatagoraError } from '@/lib/errors';
import { presetOf } from '@/lib/licence/presets';
import { Market } from '@/lib/market';

export interface CatalogueEntry {
  id: string;
  title: string;
  description?: string;
  tags: string[];
  licence: string;
  price: string;
  format: string;
  size: number;
  rowCount?: number;
  owner: string;
  listed: boolean;
  version: number;
}

export type Catalogue = { available: true; entries: CatalogueEntry[] } | { available: false; message: string; hint: string };

/** Every dataset, newest first; a failure comes back as a message the page shows instead of the list. */
export async function readCatalogue(): Promise<Catalogue> {
  let market: Market | undefined;
  try {
    market = await Market.open(loadConfig());
    const datasets = await market.listDatasets();
    const m = market;
    return {
      available: true,
      entries: datasets.map((d) => ({
        id: d.id.toString(),
        title: d.document.title,
        description: d.document.description,
        tags: d.document.tags,
        licence: presetOf(d.terms),
        price: d.terms.computeOnly ? `${m.formatAmount(d.terms.computePrice)} per job` : m.formatAmount(d.terms.downloadPrice),
        format: d.document.format,
        size: d.document.size,
        rowCount: d.document.rowCount,
        owner: d.owner,
        listed: d.listed,
        version: d.version,
      })),
    };
  } catch (error) {
    if (error instanceof DatagoraError) return { available: false, message: error.message, hint: error.hint };
    return { available: false, message: error instanceof Error ? error.message : String(error), hint: 'check `datagora health`' };
  } finally {
    await market?.close();
  }
}
