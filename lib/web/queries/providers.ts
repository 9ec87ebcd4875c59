/**
 * The compute providers page's data: each node as registered on ComputeMarket (endpoint, environments, prices;
 * read once per block) joined with its track record from the indexer's providers report. Never throws: when one
 * source does not answer the other still fills the page, with a note; when neither does, a message and a hint.
 */
import { ResourceKind } from '../../compute/settlement';
import { loadConfig } from '../../config';
import type { ProviderRow, ProvidersReport } from '../../indexer/api';
import { registeredProviders } from './dataset';
import { problemOf, type Problem } from './problem';
import { indexedRead, market as openMarket } from '../services';

/** One environment a node offers, as ComputeMarket's Environment struct holds it. */
export interface EnvironmentView {
  kind: 'CPU' | 'GPU';
  cpus: number;
  memoryMb: number;
  gpus: number;
  gpuModel: string;
  /** Formatted in the market's currency, e.g. "0.05 dUSD". */
  pricePerMinute: string;
}

export interface ProviderView {
  id: string;
  owner: string;
  endpoint: string;
  active: boolean;
  /** The node's key, which signs results; known from the chain only. */
  signer?: string;
  /** Null when the chain could not be read. */
  environments: EnvironmentView[] | null;
  /** Jobs, success rate, utilization and earnings; null when the indexer could not be read. */
  record: ProviderRow | null;
}

type Failure = Problem;

export type Providers =
  /** `symbol` is the currency of the records' earnings. */
  | { available: true; providers: ProviderView[]; symbol: string | null; chainFailure: Failure | null; indexerFailure: Failure | null }
  | ({ available: false } & Failure);

const failureOf = (error: unknown): Failure => problemOf(error, 'check `datagora health`');

/** Settles `promise` as a value or a failure to show. */
async function attempt<T>(promise: Promise<T>): Promise<{ value: T } | { failure: Failure }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { failure: failureOf(error) };
  }
}

async function readRegistered(): Promise<Omit<ProviderView, 'record'>[]> {
  const market = await openMarket();
  const providers = await registeredProviders(market);
  return providers.map((p) => ({
    id: p.id.toString(),
    owner: p.owner,
    signer: p.signer,
    endpoint: p.endpoint,
    active: p.active,
    environments: p.environments.map((e) => ({
      kind: e.kind === ResourceKind.Gpu ? 'GPU' : 'CPU',
      cpus: e.cpus,
      memoryMb: e.memoryMb,
      gpus: e.gpus,
      gpuModel: e.gpuModel,
      pricePerMinute: market.formatAmount(e.pricePerMinute),
    })),
  }));
}

/** Every registered provider, from the chain and the indexer together. */
export async function readProviders(): Promise<Providers> {
  try {
    loadConfig();
  } catch (error) {
    return { available: false, ...failureOf(error) };
  }
  const [chain, indexer] = await Promise.all([attempt(readRegistered()), attempt(indexedRead('report:providers', (client) => client.report<ProvidersReport>('providers')))]);
  if ('failure' in chain && 'failure' in indexer) return { available: false, ...chain.failure };

  const records = new Map('value' in indexer ? indexer.value.providers.map((row) => [String(row.providerId), row]) : []);
  const providers: ProviderView[] =
    'value' in chain
      ? chain.value.map((p) => ({ ...p, record: records.get(p.id) ?? null }))
      : [...records.values()].map((row) => ({
          id: String(row.providerId),
          owner: row.owner,
          endpoint: row.endpoint,
          active: row.active,
          environments: null,
          record: row,
        }));
  return {
    available: true,
    providers,
    symbol: 'value' in indexer ? indexer.value.symbol : null,
    chainFailure: 'failure' in chain ? chain.failure : null,
    indexerFailure: 'failure' in indexer ? indexer.failure : null,
  };
}
