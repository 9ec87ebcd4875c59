/**
 * Everything the dataset page shows: the dataset (or model), its verified metadata and version history through the
 * market SDK (read-only), its sales, lineage and royalties from the indexer's read model and, for data that compute
 * jobs can use, the active
 * compute providers its owner allows, its release budget and, under the templates policy, the analysis templates
 * those providers' nodes run. What comes from the chain (and the nodes' template lists) is read once per block;
 * the sales on every visit. Never throws: an unknown dataset, and a chain, storage or indexer that does not
 * answer, come back as states the page can explain.
 */
import type { Address, Hex } from 'viem';
import { fetchTemplates } from '../../compute/actions/request';
import { ComputeClient, type ProviderInfo } from '../../compute/buyer/client';
import { policyOf } from '../../compute/policy';
import { ResourceKind } from '../../compute/settlement';
import { contractsOf, type LicenceTerms } from '../../contracts';
import { QueryError } from '../../indexer/errors';
import type { AssetKind, DatasetSalesReport, ReleaseLimitsView } from '../../indexer/api';
import { presetOf, type LicencePreset } from '../../licence/presets';
import { DatasetNotFoundError, type Market } from '../../market';
import type { ComputePolicy, DatasetDocument } from '../../metadata';
import type { BlockReads } from '../cache';
import { readLineage, type Lineage } from './lineage';
import { ASSET_KINDS } from '../../lineage/derivation';
import { problemOf, type Problem } from './problem';
import { chainReads, deployments, indexedRead, market as openMarket, publicClient } from '../services';

export interface DatasetVersionView {
  version: number;
  /** When its transaction was mined; null when the block could not be read. */
  date: Date | null;
  metadataCid: string;
  txHash: Hex;
}

export interface PriceView {
  /** Base units of the stablecoin. */
  amount: bigint;
  /** For people: "12.5 dUSD". */
  label: string;
}

export interface DatasetView {
  id: string;
  /** A dataset, or a model derived from data. */
  kind: AssetKind;
  owner: Address;
  listed: boolean;
  version: number;
  publishedAt: Date;
  updatedAt: Date;
  document: DatasetDocument;
  metadataCid: string;
  /** The current owner signed the current version (false after the data NFT changed hands, until they update it). */
  signedByOwner: boolean;
  terms: LicenceTerms;
  /** The id of `terms`: what a buyer accepts, bound in the purchase. */
  termsId: string;
  licence: LicencePreset;
  /** Where a browser can read the legal text; null when `terms.uri` is neither IPFS nor HTTP(S). */
  legalHref: string | null;
  downloadPrice: PriceView;
  computePrice: PriceView;
  /** Compute jobs can run on it: compute-only data, or download data with a compute price. */
  computeEnabled: boolean;
  history: DatasetVersionView[];
}

export interface EnvironmentView {
  label: string;
  pricePerMinute: string;
}

export interface ProviderView {
  id: string;
  endpoint: string;
  environments: EnvironmentView[];
}

/** Null for compute-only data, which sells no download licences. */
export type Sales = { available: true; report: DatasetSalesReport } | ({ available: false } & Problem) | null;

/** An analysis template the allowed providers run, with the ids of those that run this version. */
export interface TemplateView {
  name: string;
  version: string;
  description: string;
  hash: Hex;
  providers: string[];
}

/** The templates of the allowed providers that answered; `unreachable` are the ids of those that did not. */
export interface Templates {
  templates: TemplateView[];
  unreachable: string[];
}

/**
 * Null when the dataset takes no compute jobs; `providers` are the active ones its owner allows; `release` is
 * ComputeMarket's release budget; `templates` is null unless the policy is templates.
 */
export type Providers =
  | { available: true; providers: ProviderView[]; policy: ComputePolicy | undefined; release: ReleaseLimitsView; templates: Templates | null }
  | ({ available: false } & Problem)
  | null;

/** How long a provider's node may take to list its templates before the page goes on without them. */
const TEMPLATES_TIMEOUT_MS = 3_000;

export type DatasetPage =
  | { status: 'found'; dataset: DatasetView; sales: Sales; providers: Providers; lineage: Lineage }
  | { status: 'not-found' }
  | ({ status: 'unavailable' } & Problem);

/** The id in a /datasets/<id> path, or undefined for anything but a canonical positive integer. */
export function parseDatasetId(text: string): bigint | undefined {
  return /^[1-9]\d{0,19}$/.test(text) ? BigInt(text) : undefined;
}

/**
 * Whether the registry holds dataset `id`, in one chain call: the page asks before it streams, since a 404 can
 * only be answered then. Undefined when the chain cannot be asked: the full read explains why.
 */
export async function isDatasetPublished(id: bigint): Promise<boolean | undefined> {
  try {
    const [{ registry }, client, reads] = await Promise.all([deployments().then(contractsOf), publicClient(), chainReads()]);
    return await reads.read(`published:${id}`, () => client.readContract({ ...registry, functionName: 'isPublished', args: [id] }));
  } catch {
    return undefined;
  }
}

/** `ipfs://<cid>` through this app's gateway; web URLs as they are. */
export function legalHrefOf(uri: string): string | null {
  if (uri.startsWith('ipfs://')) return `/ipfs/${uri.slice('ipfs://'.length)}`;
  return /^https?:\/\//.test(uri) ? uri : null;
}

async function readSales(id: bigint, at: BlockReads): Promise<Sales> {
  try {
    return { available: true, report: await indexedRead(`dataset-sales:${id}`, (client) => client.report<DatasetSalesReport>('dataset-sales', { dataset: id.toString() }), at) };
  } catch (error) {
    // The chain knows the dataset (it was just read from there): the indexer is behind, not wrong.
    if (error instanceof QueryError && error.parameter === 'dataset') {
      return { available: false, message: 'the indexer has not read this dataset yet', hint: 'its sales appear once the indexer catches up with the chain; reload in a moment' };
    }
    return { available: false, ...problemOf(error, 'start the indexer (`npm start` runs it) or set DATAGORA_INDEXER_URL') };
  }
}

/** An environment in words: "GPU: 1× A100, 8 CPUs, 32768 MB". */
export function environmentLabel(env: ProviderInfo['environments'][number]): string {
  return env.kind === ResourceKind.Gpu ? `GPU: ${env.gpus}× ${env.gpuModel}, ${env.cpus} CPUs, ${env.memoryMb} MB` : `CPU: ${env.cpus} CPUs, ${env.memoryMb} MB`;
}

/** A provider as the pages show it: its environments in words, their prices formatted. */
export function providerView(market: Market, provider: ProviderInfo): ProviderView {
  return {
    id: provider.id.toString(),
    endpoint: provider.endpoint,
    environments: provider.environments.map((env) => ({ label: environmentLabel(env), pricePerMinute: market.formatAmount(env.pricePerMinute) })),
  };
}

/** Every provider registered on ComputeMarket, active or not, read once per block. */
export async function registeredProviders(market: Market): Promise<ProviderInfo[]> {
  return (await chainReads()).read('providers', () => new ComputeClient(market).providers());
}

/**
 * The templates each node lists in its /environments, one entry per template version. A node that does not
 * answer in time, or lists something other than templates, is named as not answering; the others are listed
 * all the same.
 */
export async function readTemplates(providers: readonly Pick<ProviderInfo, 'id' | 'endpoint'>[], at: BlockReads): Promise<Templates> {
  const lists = await Promise.all(
    providers.map((p) =>
      at
        .read(`templates:${p.endpoint}`, async () => {
          // A node that hangs is given up on; one that answers out of shape is refused by fetchTemplates.
          return fetchTemplates(p.endpoint, { signal: AbortSignal.timeout(TEMPLATES_TIMEOUT_MS) });
        })
        .catch(() => null),
    ),
  );
  const byHash = new Map<Hex, TemplateView>();
  providers.forEach((provider, i) => {
    for (const template of lists[i] ?? []) {
      const hash = template.hash as Hex;
      const view = byHash.get(hash) ?? { name: template.name, version: template.version, description: template.description, hash, providers: [] };
      if (!view.providers.includes(provider.id.toString())) view.providers.push(provider.id.toString());
      byHash.set(hash, view);
    }
  });
  return { templates: [...byHash.values()], unreachable: providers.filter((_, i) => lists[i] === null).map((p) => p.id.toString()) };
}

async function readProviders(market: Market, id: bigint, policy: ComputePolicy | undefined, at: BlockReads): Promise<Providers> {
  try {
    const client = new ComputeClient(market);
    const [providers, budget] = await Promise.all([
      at.read(`providers:${id}`, () => client.allowedProviders(id)),
      at.read(`release-budget:${id}`, () => market.publicClient.readContract({ ...contractsOf(market.deployments).computeMarket, functionName: 'releaseBudget', args: [id] })),
    ]);
    const allowed = providers.filter((p) => p.active);
    const templates = policyOf({ compute: policy }) === 'templates' ? await readTemplates(allowed, at) : null;
    return { available: true, policy, providers: allowed.map((p) => providerView(market, p)), release: { epsilonTotal: budget.epsilonTotal.toString(), epsilonPerBuyer: budget.epsilonPerBuyer.toString(), bytesPerJob: budget.bytesPerJob.toString(), bytesPerBuyer: budget.bytesPerBuyer.toString() }, templates };
  } catch (error) {
    return { available: false, ...problemOf(error, 'check the chain with `datagora health`') };
  }
}

async function minedAt(market: Market, blockNumber: bigint, at: BlockReads): Promise<Date | null> {
  try {
    const block = await at.read(`block:${blockNumber}`, () => market.publicClient.getBlock({ blockNumber }));
    return new Date(Number(block.timestamp) * 1000);
  } catch {
    return null;
  }
}

/** The dataset page's data for dataset `id`. */
export async function readDataset(id: bigint): Promise<DatasetPage> {
  let market: Market;
  try {
    market = await openMarket();
  } catch (error) {
    return { status: 'unavailable', ...problemOf(error, 'check the market with `datagora health`') };
  }
  try {
    const at = await (await chainReads()).at();
    const details = await at.read(`dataset:${id}`, () => market.getDataset(id));
    const { terms } = details;
    const computeEnabled = terms.computeOnly || terms.computePrice > 0n;
    const [dates, sales, providers, lineage, asset] = await Promise.all([
      Promise.all(details.history.map((v) => minedAt(market, v.blockNumber, at))),
      terms.computeOnly ? null : readSales(id, at),
      computeEnabled ? readProviders(market, id, details.document.compute, at) : null,
      readLineage(id, market.deployments.stablecoin, at),
      at.read(`asset:${id}`, () => market.publicClient.readContract({ ...contractsOf(market.deployments).registry, functionName: 'getDataset', args: [id] })),
    ]);
    const dataset: DatasetView = {
      id: details.id.toString(),
      kind: ASSET_KINDS[asset.kind]!,
      owner: details.owner,
      listed: details.listed,
      version: details.version,
      publishedAt: details.publishedAt,
      updatedAt: details.updatedAt,
      document: details.document,
      metadataCid: details.metadataCid,
      signedByOwner: details.signedByOwner,
      terms,
      termsId: details.termsId.toString(),
      licence: presetOf(terms),
      legalHref: legalHrefOf(terms.uri),
      downloadPrice: { amount: terms.downloadPrice, label: market.formatAmount(terms.downloadPrice) },
      computePrice: { amount: terms.computePrice, label: market.formatAmount(terms.computePrice) },
      computeEnabled,
      history: details.history.map((v, i) => ({ version: v.version, date: dates[i] ?? null, metadataCid: v.metadataCid, txHash: v.txHash })),
    };
    return { status: 'found', dataset, sales, providers, lineage };
  } catch (error) {
    if (error instanceof DatasetNotFoundError) return { status: 'not-found' };
    return { status: 'unavailable', ...problemOf(error, 'check the market with `datagora health`') };
  }
}
