/**
 * The market commands of the CLI: browse, buy, download, balance (the owner's are in owner.ts), and the connection and
 * argument helpers every command shares. They connect to the running `npm start` stack by default (DATAGORA_*
 * configuration), or to `--rpc-url`; the market SDK is imported when a command opens the market.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config';
import { parsePrice, presetOf } from '../licence/presets';
import type { AccountChoice, DatasetSummary, Market } from '../market';
import { IndexerClient, searchParamsOf, type QueryParams } from '../indexer/client';
import { IndexerUnavailableError } from '../indexer/errors';
import type { SearchResult } from '../indexer/api';
import { parseSearchParams } from '../indexer/search';
import { formatBytes } from '../units';
import { progressBar } from './progress';
import { printTable, truncate } from './table';
import { confirm, UsageError, withNegativeValues } from './usage';

const COMMON = {
  account: { type: 'string' },
  'private-key-env': { type: 'string' },
  'rpc-url': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The dev account used when neither --account nor --private-key-env is given (0 is the market's admin). */
const DEFAULT_DEV_ACCOUNT = 1;

type Common = { account?: string; 'private-key-env'?: string; 'rpc-url'?: string; json: boolean };

function configFor(values: Common): Config {
  const url = values['rpc-url'];
  return loadConfig(url ? { ...process.env, DATAGORA_CHAIN: 'rpc', DATAGORA_RPC_URL: url } : process.env);
}

function accountChoice(values: Common): AccountChoice {
  if (values.account !== undefined && values['private-key-env'] !== undefined) throw new UsageError('give either --account or --private-key-env, not both');
  if (values['private-key-env'] !== undefined) return { privateKeyEnv: values['private-key-env'] };
  const index = values.account === undefined ? DEFAULT_DEV_ACCOUNT : Number(values.account);
  if (!/^\d+$/.test(values.account ?? '1')) throw new UsageError(`--account must be a dev account number, not "${values.account}"`);
  return { devIndex: index };
}

export async function withMarket<T>(values: Common, run: (market: Market) => Promise<T>): Promise<T> {
  const [{ fetchChainId, readDeployments, WrongChainError }, { Market, resolveAccount }] = await Promise.all([import('../chain'), import('../market')]);
  const config = configFor(values);
  const { chainId } = readDeployments(config.deploymentsFile);
  // The chain is checked before the account: a dev account is only refused for being on the wrong chain.
  const served = await fetchChainId(config.chain.rpcUrl);
  if (served !== chainId) throw new WrongChainError(chainId, served);
  const account = resolveAccount(accountChoice(values), chainId);
  const market = await Market.open(config, { account });
  try {
    return await run(market);
  } finally {
    await market.close();
  }
}

/** A positive integer id: what `what` names ('dataset', 'job'). */
export function positiveId(what: string, value: string | undefined): bigint {
  if (value === undefined || !/^\d+$/.test(value) || BigInt(value) === 0n) throw new UsageError(`expected a ${what} id (a positive integer), got "${value ?? ''}"`);
  return BigInt(value);
}

export const datasetId = (value: string | undefined): bigint => positiveId('dataset', value);

/** A comma-separated list of positive ids ("1,4"). */
export function idList(what: string, value: string): bigint[] {
  return value.split(',').map((part) => positiveId(what, part.trim()));
}

/** The value of `--flag` as a whole number of at least `min`, or undefined when the flag is absent. */
export function wholeNumber(flag: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, got ${value}`);
  const number = Number(value);
  if (number < min) throw new UsageError(min === 0 ? `--${flag} cannot be negative, got ${value}` : `--${flag} must be at least ${min}, got ${value}`);
  return number;
}

/** JSON with bigints as decimal strings. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

const licenceName = (summary: DatasetSummary) => presetOf(summary.terms);

export function parse<O extends ParseArgsConfig['options']>(args: string[], options: O) {
  const all = { ...COMMON, ...options };
  return parseArgs({ args: withNegativeValues(args, all), options: all, allowPositionals: true });
}

/** The search flags of `datagora datasets`, as the indexer's search parameters (search.ts). */
const SEARCH_FLAGS = {
  q: { type: 'string' },
  kind: { type: 'string' },
  commercial: { type: 'boolean' },
  derivatives: { type: 'boolean' },
  'ai-training': { type: 'boolean' },
  'compute-only': { type: 'boolean' },
  'min-price': { type: 'string' },
  'max-price': { type: 'string' },
  format: { type: 'string' },
  owner: { type: 'string' },
  'has-providers': { type: 'boolean' },
  sort: { type: 'string' },
  order: { type: 'string' },
  page: { type: 'string' },
  'page-size': { type: 'string' },
  all: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** One row of the `datasets` table, from the indexer (with each asset's kind and sales) or the chain. */
function datasetRow(d: { id: string; kind?: string; title: string | null; licence: string; price: string; size: number | null; listed: boolean; owner: string }, sales?: number) {
  return {
    id: Number(d.id),
    ...(d.kind !== undefined ? { kind: d.kind } : {}),
    title: truncate(d.title ?? '(metadata not read yet)', 40),
    licence: d.licence,
    price: d.price,
    ...(sales !== undefined ? { sales } : {}),
    size: d.size === null ? '—' : formatBytes(d.size),
    status: d.listed ? 'listed' : 'delisted',
    owner: `${d.owner.slice(0, 8)}…`,
  };
}

const NO_DATASETS = 'no datasets yet: publish one with `datagora publish <file> --title … --licence … --price …`';

export async function datasets(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, SEARCH_FLAGS);
  const params: QueryParams = {
    q: [values.q, ...positionals].filter(Boolean).join(' ') || undefined,
    kind: values.kind,
    commercial: values.commercial,
    derivatives: values.derivatives,
    aiTraining: values['ai-training'],
    computeOnly: values['compute-only'],
    minPrice: values['min-price'],
    maxPrice: values['max-price'],
    format: values.format,
    owner: values.owner,
    hasProviders: values['has-providers'],
    listed: values.all ? 'all' : undefined,
    sort: values.sort,
    order: values.order,
    page: values.page,
    pageSize: values['page-size'],
  };
  const searching = Object.values(params).some((value) => value !== undefined);
  // Bad flags are refused here, indexer or not, in the words the indexer would use.
  parseSearchParams(searchParamsOf(params));
  const config = configFor(values);
  let result: SearchResult;
  try {
    result = await new IndexerClient(config.indexer.url).search<SearchResult>(params);
  } catch (error) {
    // Only the indexer can filter, sort and page; the plain list can come from the chain.
    if (!(error instanceof IndexerUnavailableError) || searching) throw error;
    await listFromChain(values);
    // After the list, so a failing chain read still leads with its error; --json prints the JSON alone.
    if (!values.json) console.error(`note: the indexer at ${config.indexer.url} does not answer, so this list was read from the chain (no sales figures, no search)`);
    return 0;
  }
  if (values.json) {
    printJson(result.items);
    return 0;
  }
  if (result.total === 0) {
    console.log(searching ? 'no datasets match' : NO_DATASETS);
    return 0;
  }
  const pages = Math.ceil(result.total / result.pageSize);
  if (result.items.length === 0) {
    console.log(`page ${result.page} is past the last page (${pages}) of ${result.total} datasets`);
    return 0;
  }
  printTable(result.items.map((d) => datasetRow({ ...d, price: d.computeOnly ? `${d.formatted.price}/job` : d.formatted.price }, d.sales)));
  if (pages > 1) console.log(`page ${result.page} of ${pages} (${result.total} datasets)${result.page < pages ? `; --page ${result.page + 1} for more` : ''}`);
  return 0;
}

/** Every dataset, read from the chain and IPFS through the market SDK (without the indexer). */
async function listFromChain(values: Common): Promise<void> {
  await withMarket(values, async (market) => {
    const list = await market.listDatasets();
    if (values.json) {
      printJson(list.map((d) => ({ id: d.id, title: d.document.title, owner: d.owner, listed: d.listed, version: d.version, licence: licenceName(d), downloadPrice: d.terms.downloadPrice, computePrice: d.terms.computePrice, size: d.document.size, tags: d.document.tags, metadataCid: d.metadataCid })));
      return;
    }
    if (list.length === 0) {
      console.log(NO_DATASETS);
      return;
    }
    printTable(
      list.map((d) =>
        datasetRow({
          id: d.id.toString(),
          title: d.document.title,
          licence: licenceName(d),
          price: d.terms.computeOnly ? `${market.formatAmount(d.terms.computePrice)}/job` : market.formatAmount(d.terms.downloadPrice),
          size: d.document.size,
          listed: d.listed,
          owner: d.owner,
        }),
      ),
    );
  });
}

export async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const id = datasetId(positionals[0]);
  await withMarket(values, async (market) => {
    const [d, lineage] = await Promise.all([market.getDataset(id), import('./lineage').then(({ shownLineage }) => shownLineage(market, id))]);
    if (values.json) {
      printJson({ ...d, lineage: lineage.json });
      return;
    }
    const doc = d.document;
    const computes = d.terms.computeOnly || d.terms.computePrice > 0n;
    const { ComputeClient } = await import('../compute/buyer/client');
    const providers = computes ? (await new ComputeClient(market).allowedProviders(id)).filter((p) => p.active).map((p) => p.id) : [];
    const lines = [
      `#${d.id} ${doc.title}${d.listed ? '' : '  (delisted)'}`,
      doc.description ?? '',
      `owner      ${d.owner}`,
      ...lineage.lines,
      `licence    ${licenceName(d)} (terms ${d.termsId}; ${d.terms.accessDuration === 0n ? 'perpetual' : `${d.terms.accessDuration / 86_400n} days`}; AI training ${d.terms.aiTrainingAllowed ? 'allowed' : 'not allowed'}; text ${d.terms.uri})`,
      `price      ${d.terms.computeOnly ? 'compute only' : market.formatAmount(d.terms.downloadPrice)}${d.terms.computePrice > 0n ? `, ${market.formatAmount(d.terms.computePrice)} per compute job` : ''}`,
      `data       ${doc.format}, ${formatBytes(doc.size)} (${doc.size.toLocaleString('en-US')} bytes)${doc.rowCount !== undefined ? `, ${doc.rowCount.toLocaleString('en-US')} row${doc.rowCount === 1 ? '' : 's'}` : ''}, sha256 ${doc.plaintextSha256}`,
      computes ? `providers  ${providers.length > 0 ? `${providers.join(', ')} (allowed to run its jobs: their nodes see the data)` : 'none allowed yet: no compute job can run'}` : '',
      `tags       ${doc.tags.join(', ') || '—'}`,
      `content    ${doc.content.cid} (${doc.content.encryption})`,
      `versions   ${d.history.map((v) => `v${v.version} ${v.metadataCid}`).join('\n           ')}`,
      `you        ${d.canDecrypt ? 'can decrypt' : 'cannot decrypt'}${d.licence ? ` — licence ${d.licence.valid ? 'valid' : 'expired'}${d.licence.expiresAt ? ` until ${d.licence.expiresAt.toISOString()}` : ' (perpetual)'}` : ''}`,
    ];
    if (doc.columns) lines.push(`columns    ${doc.columns.map((c) => `${c.name}:${c.type}`).join(', ')}`);
    if (doc.preview) lines.push('preview', ...doc.preview.content.trimEnd().split('\n').map((l) => `  ${l}`));
    console.log(lines.filter((l) => l !== '').join('\n'));
  });
  return 0;
}

export async function buy(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'max-price': { type: 'string' }, terms: { type: 'string' }, yes: { type: 'boolean', short: 'y', default: false } });
  const id = datasetId(positionals[0]);
  return withMarket(values, async (market) => {
    const maxPrice = values['max-price'] === undefined ? undefined : parsePrice(values['max-price'], market.deployments.stablecoin.decimals);
    const termsId = values.terms === undefined ? undefined : positiveId('terms', values.terms);
    // Buying again extends a licence still running: the buyer says so, or a typo pays twice.
    const { heldLicence } = await import('../market/licence');
    const held = await heldLicence({ publicClient: market.publicClient, address: market.account!.address, contracts: market.deployments.contracts }, id);
    if (held) {
      const situation = `you hold a licence on dataset ${id} until ${held.expiresAt.toISOString()}; buying again extends it to ${held.extendedTo ? held.extendedTo.toISOString() : 'perpetual'}`;
      if (!(await confirm(situation, 'Continue?', values.yes))) {
        console.error('nothing bought');
        return 1;
      }
    }
    const result = await market.buyLicence(id, { maxPrice, termsId });
    if (values.json) printJson(result);
    else console.log(`bought a licence for dataset ${id} under terms ${result.termsId} for ${market.formatAmount(result.price)}, ${result.expiresAt ? `valid until ${result.expiresAt.toISOString()}` : 'perpetual'} (tx ${result.txHash})`);
    return 0;
  });
}

export async function download(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  const ids = (positionals.length > 0 ? positionals : [undefined]).map(datasetId);
  const out = values.out;
  if (!out) throw new UsageError('download needs --out <path>');
  if (ids.length > 1) {
    if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`downloading ${ids.length} datasets needs --out to be a directory, and ${out} is a file`);
    mkdirSync(out, { recursive: true });
  }
  await withMarket(values, async (market) => {
    // One wallet signature for all of them: a key session listing every dataset's key.
    const session = ids.length > 1 ? await market.keySession(ids) : undefined;
    const results = [];
    for (const id of ids) {
      const bar = progressBar(ids.length > 1 ? `dataset ${id}` : 'download+decrypt', !values.json && process.stderr.isTTY === true);
      let result;
      try {
        result = await market.download(id, out, (p) => bar.update(p.bytes, p.total), session);
      } finally {
        bar.done();
      }
      results.push(result);
      if (!values.json) console.log(`wrote ${result.path} (${formatBytes(result.bytes)}, sha256 ${result.sha256} verified)`);
    }
    if (values.json) printJson(ids.length > 1 ? results : results[0]);
  });
  return 0;
}

export async function balance(args: string[]): Promise<number> {
  const { values } = parse(args, {});
  await withMarket(values, async (market) => {
    const b = await market.balance();
    if (values.json) printJson(b);
    else console.log(`${b.address}\n  ${market.formatAmount(b.stablecoin)} in wallet\n  ${market.formatAmount(b.withdrawable)} to withdraw\n  ${(Number(b.ether) / 1e18).toFixed(4)} ETH for gas`);
  });
  return 0;
}
