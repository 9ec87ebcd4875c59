/**
 * The publish wizard's provider choices, read on the server at each visit: every active compute provider with
 * its environments and prices (ComputeMarket) and how its jobs went (the indexer's providers report), through
 * the providers page's reader. Never throws: a source that does not answer leaves a note, both a failure.
 */
import 'server-only';
import { readProviders, type EnvironmentView } from '@/lib/web/queries/providers';

/** The jobs a provider ran: closed ones delivered or failed; `successRate` null before any closed. */
export interface JobRecord {
  jobs: number;
  delivered: number;
  failed: number;
  successRate: number | null;
}

export interface ProviderChoice {
  id: string;
  endpoint: string;
  /** Null while the chain is not answering. */
  environments: EnvironmentView[] | null;
  /** Null while the indexer is not answering. */
  record: JobRecord | null;
}

export type ProviderChoices =
  /** `notes` say which source did not answer, and so what is missing. */
  | { available: true; providers: ProviderChoice[]; notes: string[] }
  | { available: false; message: string; hint: string };

const NO_JOBS: JobRecord = { jobs: 0, delivered: 0, failed: 0, successRate: null };

export async function readProviderChoices(): Promise<ProviderChoices> {
  const read = await readProviders();
  if (!read.available) return read;
  const { chainFailure, indexerFailure } = read;
  return {
    available: true,
    providers: read.providers
      .filter((p) => p.active)
      .map((p) => ({
        id: p.id,
        endpoint: p.endpoint,
        environments: p.environments,
        // A provider the indexer has not seen yet has run no job.
        record: p.record ? { jobs: p.record.jobs, delivered: p.record.delivered, failed: p.record.failed, successRate: p.record.successRate } : indexerFailure ? null : NO_JOBS,
      })),
    notes: [
      ...(chainFailure ? [`The chain is not answering (${chainFailure.message}), so environments and prices are missing.`] : []),
      ...(indexerFailure ? [`The indexer is not answering (${indexerFailure.message}), so the providers’ records are missing.`] : []),
    ],
  };
}
