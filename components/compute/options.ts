/** What the compute page offers to choose from, as the server reads it and the browser's searches refresh it. */
import type { SearchItem } from '@/lib/indexer/api';

export interface EnvironmentOption {
  index: number;
  label: string;
  /** For people: "0.05 dUSD". */
  pricePerMinute: string;
}

export interface ProviderOption {
  id: string;
  endpoint: string;
  environments: EnvironmentOption[];
}

export interface DatasetOption {
  id: string;
  /** Null while the indexer has not verified its metadata. */
  title: string | null;
  licence: string;
  computeOnly: boolean;
  aiTraining: boolean;
  /** For people: "15 dUSD". */
  computePrice: string;
}

/** The datasets the page lists first, or why the search could not list them. */
export type DatasetList = { available: true; items: DatasetOption[]; total: number } | { available: false; message: string; hint: string };

/** The search for datasets a job can run on now (computable, listed, an active provider its owner allows), as /api/datasets takes it. */
export const COMPUTABLE = { hasProviders: 'true', listed: 'true', sort: 'newest', pageSize: '50' } as const;

export function datasetOption(item: SearchItem): DatasetOption {
  return { id: item.id, title: item.title, licence: item.licence, computeOnly: item.computeOnly, aiTraining: item.aiTraining, computePrice: item.formatted.computePrice };
}
