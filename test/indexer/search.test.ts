/**
 * Dataset search against a real database: datasets, terms, purchases and providers inserted as the indexer
 * writes them, the search vector set with searchVector() and the rollups built with updateRollups(); every
 * filter, sort and page is checked by the ids it returns, and every bad parameter by its QueryError. The
 * provider filter is also followed from the chain: anvil with the contracts and the real indexer, as owners
 * allow and withdraw providers and providers retire.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { signProviderNode } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import { openDatabase, type IndexerDatabase } from '@/lib/indexer/db';
import { QueryError } from '@/lib/indexer/errors';
import { Indexer } from '@/lib/indexer/indexer';
import { updateRollups } from '@/lib/indexer/rollups';
import * as t from '@/lib/indexer/schema';
import type { SearchResult } from '@/lib/indexer/api';
import { parseSearchParams, searchDatasets, searchVector } from '@/lib/indexer/search';
import { cpuEnvironment, mined, onlyEvent } from '../helpers/compute';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';
import { startTestServices, type TestServices } from '../helpers/services';

const CONTEXT = { decimals: 6, symbol: 'dUSD' };
const dUSD = (whole: number) => String(BigInt(Math.round(whole * 1e6)));
const CURRENCY = '0x00000000000000000000000000000000000000C0';
const OWNER_A = '0xAaAAAaaAAAAAAaaAAAaaaaAaAaAAAAaAAaAaAaA1';
const OWNER_B = '0xbBBbbbbBbbBbbbBBbbbBBbbbBbbbbbBbbbbBbBB2';
const OWNER_C = '0xccCCCcCCCcCCcCcccCccCCCcCCcCCccCCCCcCcC3';
const BUYER_X = '0x1111111111111111111111111111111111111111';
const BUYER_Y = '0x2222222222222222222222222222222222222222';

/** Terms ids by preset, with the flags lib/licence/presets gives them. */
const TERMS = [
  { id: 1, preset: 'commercial', commercialUse: true, derivatives: false, aiTraining: false, computeOnly: false },
  { id: 2, preset: 'non-commercial', commercialUse: false, derivatives: true, aiTraining: false, computeOnly: false },
  { id: 3, preset: 'compute-only', commercialUse: true, derivatives: true, aiTraining: true, computeOnly: true },
  { id: 4, preset: 'ai-training', commercialUse: true, derivatives: true, aiTraining: true, computeOnly: false },
  { id: 5, preset: 'commercial-remix', commercialUse: true, derivatives: true, aiTraining: false, computeOnly: false },
];

const day = (n: number) => new Date(Date.UTC(2025, 0, n, 12));

/** Five datasets: 4 is delisted, 5's metadata is not read yet. Dataset i uses terms i. */
const DATASETS = [
  { id: 1, owner: OWNER_A, title: 'Human genome variants', description: 'Variant calls from a thousand sequenced people', tags: ['dna', 'biology'], format: 'csv', size: 4_000_000, rowCount: 120_000, download: 10, compute: 0 },
  { id: 2, owner: OWNER_B, title: 'City air quality', description: 'Hourly PM2.5 readings from street sensors', tags: ['environment', 'iot'], format: 'parquet', size: 900_000, rowCount: 8_760, download: 2.5, compute: 0 },
  { id: 3, owner: OWNER_A, title: 'Hospital admissions', description: 'Admissions with genome sequencing flags, never released', tags: ['health'], format: 'csv', size: 7_000_000, rowCount: 50_000, download: 0, compute: 50 },
  { id: 4, owner: OWNER_B, title: 'Retail basket images', description: 'Photos of shopping baskets', tags: ['vision'], format: 'zip', size: 90_000_000, rowCount: null, download: 100, compute: 0, listed: false },
  { id: 5, owner: OWNER_C, title: null, description: null, tags: [], format: null, size: null, rowCount: null, download: 5, compute: 1, status: 'pending' },
];

async function load(idb: IndexerDatabase): Promise<void> {
  const { db } = idb;
  await db.insert(t.terms).values(
    TERMS.map((terms, i) => ({
      id: terms.id,
      currency: CURRENCY,
      accessDuration: 0,
      revShareBps: 0,
      computeOnly: terms.computeOnly,
      aiTraining: terms.aiTraining,
      transferable: false,
      commercialUse: terms.commercialUse,
      derivatives: terms.derivatives,
      downloadPrice: dUSD(DATASETS[i]!.download),
      computePrice: dUSD(DATASETS[i]!.compute),
      preset: terms.preset,
      uri: `ipfs://terms-${terms.id}`,
    })),
  );
  await db.insert(t.datasets).values(
    DATASETS.map((d) => ({
      id: d.id,
      owner: d.owner,
      termsId: d.id,
      listed: d.listed ?? true,
      version: 1,
      metadataCid: `bafy-${d.id}`,
      publishedAt: day(d.id),
      updatedAt: day(d.id + 10),
      title: d.title,
      description: d.description,
      tags: d.tags,
      format: d.format,
      size: d.size,
      rowCount: d.rowCount,
      metadataStatus: d.status ?? 'ok',
    })),
  );
  await db.execute(sql`update datasets set search = ${searchVector()} where metadata_status = 'ok'`);
  // Dataset 1: three real sales to two buyers and one self-purchase; 2 and 5: one sale each.
  const sales = [
    { datasetId: 1, buyer: BUYER_X, price: 10 },
    { datasetId: 1, buyer: BUYER_Y, price: 10 },
    { datasetId: 1, buyer: BUYER_X, price: 10 },
    { datasetId: 1, buyer: OWNER_A, price: 10, wash: 'self' },
    { datasetId: 2, buyer: BUYER_X, price: 2.5 },
    { datasetId: 5, buyer: BUYER_Y, price: 5 },
  ];
  await db.insert(t.purchases).values(
    sales.map((s, i) => ({
      txHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
      logIndex: 0,
      blockNumber: 100 + i,
      timestamp: day(20 + i),
      datasetId: s.datasetId,
      buyer: s.buyer,
      owner: DATASETS[s.datasetId - 1]!.owner,
      termsId: s.datasetId,
      currency: CURRENCY,
      price: dUSD(s.price),
      fee: dUSD(s.price / 40),
      wash: s.wash ?? null,
    })),
  );
  await updateRollups(db, 'all', 10n ** 6n);
}

describe.each(DATABASE_KINDS)('dataset search (%s)', (kind) => {
  let database: TestDatabase;
  let idb: IndexerDatabase;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    idb = await openDatabase(database.config);
    await load(idb);
  });
  afterAll(async () => {
    await idb?.close();
    await database?.drop();
  });

  const search = (params: Record<string, string> = {}): Promise<SearchResult> => searchDatasets(idb, parseSearchParams(new URLSearchParams(params)), CONTEXT);
  const ids = async (params: Record<string, string> = {}) => (await search(params)).items.map((item) => Number(item.id));

  it('lists listed datasets newest first by default, pending metadata included without a title', async () => {
    const result = await search();
    expect(result).toMatchObject({ total: 4, page: 1, pageSize: 20 });
    expect(result.items.map((item) => Number(item.id))).toEqual([5, 3, 2, 1]);
    expect(result.items[0]).toMatchObject({ id: '5', title: null, metadataStatus: 'pending', tags: [] });
  });

  it('describes each dataset with its licence, prices and real sales', async () => {
    const [genome] = (await search({ owner: OWNER_A, sort: 'price', order: 'asc' })).items;
    expect(genome).toEqual({
      id: '1',
      kind: 'dataset',
      title: 'Human genome variants',
      description: 'Variant calls from a thousand sequenced people',
      tags: ['dna', 'biology'],
      format: 'csv',
      size: 4_000_000,
      rowCount: 120_000,
      owner: OWNER_A,
      listed: true,
      version: 1,
      metadataCid: 'bafy-1',
      licence: 'commercial',
      commercial: true,
      derivatives: false,
      aiTraining: false,
      computeOnly: false,
      price: '10000000',
      downloadPrice: '10000000',
      computePrice: '0',
      // The owner's own purchase is wash and not counted.
      sales: 3,
      revenue: '30000000',
      buyers: 2,
      formatted: { price: '10 dUSD', downloadPrice: '10 dUSD', computePrice: '0 dUSD', revenue: '30 dUSD' },
      publishedAt: day(1).toISOString(),
      updatedAt: day(11).toISOString(),
      metadataStatus: 'ok',
    });
    const [hospital] = (await search({ computeOnly: 'true' })).items;
    expect(hospital).toMatchObject({ id: '3', price: '50000000', downloadPrice: '0', formatted: expect.objectContaining({ price: '50 dUSD' }), sales: 0, revenue: '0', buyers: 0 });
  });

  describe('full text', () => {
    it('stems words: "genomes" finds "genome", the title match ranked above the description match', async () => {
      expect(await ids({ q: 'genomes' })).toEqual([1, 3]);
      expect(await ids({ q: 'genomes', sort: 'relevance', order: 'asc' })).toEqual([3, 1]);
      expect(await ids({ q: 'genomes', sort: 'newest' })).toEqual([3, 1]);
    });

    it.each([
      ['a tag', 'dna', [1]],
      ['a description word', 'hourly', [2]],
      ['a quoted phrase', '"air quality"', [2]],
      ['an excluded word', 'genome -hospital', [1]],
      ['words in any field', 'sensors iot', [2]],
      ['no match', 'spaceships', []],
    ])('finds %s', async (_label, q, expected) => {
      expect(await ids({ q })).toEqual(expected);
    });

    it('leaves out datasets whose metadata is not read when searching text', async () => {
      expect(await ids({ q: 'genome', listed: 'all' })).not.toContain(5);
    });
  });

  describe('filters', () => {
    it.each([
      [{ commercial: 'true' }, [5, 3, 1]],
      [{ commercial: 'false' }, [2]],
      [{ derivatives: 'true' }, [5, 3, 2]],
      [{ derivatives: 'false' }, [1]],
      [{ aiTraining: 'true' }, [3]],
      [{ aiTraining: 'true', listed: 'all' }, [4, 3]],
      [{ computeOnly: 'true' }, [3]],
      [{ computeOnly: 'false' }, [5, 2, 1]],
      [{ commercial: 'true', derivatives: 'true' }, [5, 3]],
      // Compute-only data is priced by its compute price (50), not its download price (0).
      [{ minPrice: '5' }, [5, 3, 1]],
      [{ maxPrice: '10' }, [5, 2, 1]],
      [{ minPrice: '2.5', maxPrice: '5' }, [5, 2]],
      [{ minPrice: '2.500001' }, [5, 3, 1]],
      [{ maxPrice: '20' }, [5, 2, 1]],
      [{ format: 'CSV' }, [3, 1]],
      [{ owner: OWNER_A.toLowerCase() }, [3, 1]],
      [{ owner: OWNER_B.toUpperCase().replace('0X', '0x') }, [2]],
      [{ listed: 'all' }, [5, 4, 3, 2, 1]],
      [{ listed: 'false' }, [4]],
      [{ q: 'genome', commercial: 'true', maxPrice: '20' }, [1]],
    ])('%j → %j', async (params, expected) => {
      expect(await ids(params)).toEqual(expected);
    });

    it('hasProviders needs data that may be computed on and an active provider its owner allows', async () => {
      const provider = { owner: BUYER_X, signer: BUYER_X, endpoint: 'http://provider', environments: [], registeredAt: day(1) };
      await idb.db.insert(t.providers).values([
        { id: 1, ...provider, active: false },
        { id: 2, ...provider, active: true },
      ]);
      const allow = (datasetId: number, providerId: number, allowed = true) => ({ datasetId, providerId, allowed, updatedAt: day(30) });
      // An active provider alone serves nothing: 3 allows only the retired one, 5 withdrew the active one.
      await idb.db.insert(t.datasetProviders).values([allow(3, 1), allow(5, 2, false)]);
      expect(await ids({ hasProviders: 'true' })).toEqual([]);
      // 3 is compute-only and 5 has a compute price; 1 and 2 are download-only, so allowing is not enough.
      await idb.db.insert(t.datasetProviders).values([allow(3, 2), allow(1, 2), allow(2, 2)]);
      expect(await ids({ hasProviders: 'true' })).toEqual([3]);
      expect(await ids({ hasProviders: 'false' })).toEqual([5, 2, 1]);
      await idb.db.delete(t.datasetProviders);
      await idb.db.delete(t.providers);
    });
  });

  describe('sorting and pages', () => {
    it.each([
      [{ sort: 'newest' }, [5, 3, 2, 1]],
      [{ sort: 'newest', order: 'asc' }, [1, 2, 3, 5]],
      [{ sort: 'price' }, [2, 5, 1, 3]],
      [{ sort: 'price', order: 'desc' }, [3, 1, 5, 2]],
      // 2 and 5 sold once each: the id breaks the tie.
      [{ sort: 'sales' }, [1, 5, 2, 3]],
      [{ sort: 'sales', order: 'asc' }, [3, 2, 5, 1]],
      [{ sort: 'revenue' }, [1, 5, 2, 3]],
      [{ sort: 'revenue', order: 'asc' }, [3, 2, 5, 1]],
    ])('%j → %j', async (params, expected) => {
      expect(await ids(params)).toEqual(expected);
    });

    it('pages without overlap and reports the total on every page', async () => {
      const pages = [await search({ pageSize: '2', page: '1' }), await search({ pageSize: '2', page: '2' }), await search({ pageSize: '2', page: '3' })];
      expect(pages.map((p) => p.items.map((item) => Number(item.id)))).toEqual([[5, 3], [2, 1], []]);
      expect(pages.map((p) => [p.total, p.page, p.pageSize])).toEqual([
        [4, 1, 2],
        [4, 2, 2],
        [4, 3, 2],
      ]);
      expect((await search({ pageSize: '100' })).items).toHaveLength(4);
    });
  });
});

/** Dev accounts of the chain scenario: the dataset owner, and each provider's operator and node key. */
const PUBLISHER = 4;
const PROVIDERS = [
  { operator: 9, nodeKey: 8 },
  { operator: 7, nodeKey: 6 },
];

describe.each(DATABASE_KINDS)('hasProviders from the chain, through the indexer (%s)', (kind) => {
  let services: TestServices;
  let database: TestDatabase;
  let indexer: Indexer;

  beforeAll(async () => {
    services = await startTestServices();
    database = await freshDatabase(kind);
    indexer = await Indexer.open({ ...services.config, indexer: { ...services.config.indexer, database: database.config } });
  }, 300_000);
  afterAll(async () => {
    await indexer?.stop();
    await database?.drop();
    await services?.stop();
  });

  /** Registers a provider as its operator, with the node key's consent; returns its id. */
  async function registerProvider({ operator, nodeKey }: (typeof PROVIDERS)[number]): Promise<bigint> {
    const { publicClient, deployments } = services.chain;
    const { computeMarket } = contractsOf(deployments);
    const endpoint = 'http://127.0.0.1:1';
    const node = services.account(nodeKey);
    const consent = await signProviderNode(node, { chainId: deployments.chainId, computeMarket: computeMarket.address }, services.account(operator).address, endpoint);
    const receipt = await mined(publicClient, services.chain.wallet(operator).writeContract({ ...computeMarket, functionName: 'registerProvider', args: [endpoint, node.address, [cpuEnvironment(1_000n)], consent] }));
    return onlyEvent(computeMarketAbi, receipt.logs, 'ProviderRegistered').providerId;
  }

  function file(name: string): string {
    const target = path.join(services.home, name);
    writeFileSync(target, `reading,value\n${name},1\n`);
    return target;
  }

  /** The datasets that hasProviders=`value` finds once the indexer has read the chain up to its head. */
  async function served(value: 'true' | 'false'): Promise<bigint[]> {
    await indexer.catchUp();
    const result = await searchDatasets(indexer.database, parseSearchParams(new URLSearchParams({ hasProviders: value })), indexer.context);
    return result.items.map((item) => BigInt(item.id));
  }

  it('counts a provider only while it is active and the owner allows it, on data that takes compute jobs', async () => {
    const active = await registerProvider(PROVIDERS[0]!);
    const retiring = await registerProvider(PROVIDERS[1]!);
    const owner = await services.market(PUBLISHER);
    const computeOnly = (await owner.publish(file('vitals.csv'), { title: 'Vitals', tags: [] }, { preset: 'compute-only' }, { download: 0n, compute: 15_000_000n })).datasetId;
    // Download-only data takes no job, whichever providers its owner allows.
    const downloadOnly = (await owner.publish(file('prices.csv'), { title: 'Prices', tags: [], providers: [active] }, { preset: 'commercial' }, { download: 1_000_000n, compute: 0n })).datasetId;
    expect(await served('true')).toEqual([]);
    expect(await served('false')).toEqual([downloadOnly, computeOnly]);

    const compute = new ComputeClient(owner);
    await compute.setProvidersAllowed(computeOnly, [active], true);
    expect(await served('true')).toEqual([computeOnly]);
    expect(await served('false')).toEqual([downloadOnly]);
    await compute.setProvidersAllowed(computeOnly, [active], false);
    expect(await served('true')).toEqual([]);

    await compute.setProvidersAllowed(computeOnly, [retiring], true);
    expect(await served('true')).toEqual([computeOnly]);
    const { publicClient, deployments } = services.chain;
    await mined(publicClient, services.chain.wallet(PROVIDERS[1]!.operator).writeContract({ ...contractsOf(deployments).computeMarket, functionName: 'retireProvider', args: [retiring] }));
    expect(await served('true')).toEqual([]);
    expect(await indexer.database.rows(sql`select dataset_id::int as "datasetId", provider_id::int as "providerId", allowed from dataset_providers order by 1, 2`)).toEqual([
      { datasetId: Number(computeOnly), providerId: Number(active), allowed: false },
      { datasetId: Number(computeOnly), providerId: Number(retiring), allowed: true },
      { datasetId: Number(downloadOnly), providerId: Number(active), allowed: true },
    ]);
  }, 300_000);
});

describe('search parameters', () => {
  it('takes the defaults: listed only, newest first (relevance with q), page 1 of 20', () => {
    expect(parseSearchParams(new URLSearchParams())).toEqual({ flags: {}, listed: 'true', sort: 'newest', order: 'desc', page: 1, pageSize: 20 });
    expect(parseSearchParams(new URLSearchParams({ q: ' genome ', sort: 'price', commercial: 'false', format: '' }))).toEqual({ q: 'genome', flags: { commercial: false }, listed: 'true', sort: 'price', order: 'asc', page: 1, pageSize: 20 });
    expect(parseSearchParams(new URLSearchParams({ q: 'genome' })).sort).toBe('relevance');
    expect(parseSearchParams(new URLSearchParams({ owner: OWNER_A.toLowerCase() })).owner).toBe(OWNER_A);
  });

  it.each([
    ['commercial', { commercial: 'yes' }],
    ['derivatives', { derivatives: '1' }],
    ['aiTraining', { aiTraining: 'TRUE' }],
    ['computeOnly', { computeOnly: 'maybe' }],
    ['minPrice', { minPrice: 'cheap' }],
    ['minPrice', { minPrice: '1e3' }],
    ['maxPrice', { maxPrice: '-1' }],
    ['maxPrice', { minPrice: '5', maxPrice: '1' }],
    ['owner', { owner: '0x1234' }],
    ['hasProviders', { hasProviders: 'some' }],
    ['kind', { kind: 'Model' }],
    ['listed', { listed: 'yes' }],
    ['sort', { sort: 'popular' }],
    ['sort', { sort: 'relevance' }],
    ['order', { order: 'up' }],
    ['page', { page: '0' }],
    ['page', { page: '1.5' }],
    ['page', { page: '99999999999999999999' }],
    ['pageSize', { pageSize: '0' }],
    ['pageSize', { pageSize: '101' }],
    ['colour', { colour: 'blue' }],
    ['q', { q: 'tide\u0000' }],
    ['q', { q: 'clear\u001b[2J' }],
    ['q', { q: 'ab '.repeat(200) }],
    ['format', { format: 'csv\u001b[0m' }],
    ['minPrice', { minPrice: '9'.repeat(79) }],
  ])('refuses a bad %s: %j', (parameter, params) => {
    let error: unknown;
    try {
      parseSearchParams(new URLSearchParams(params));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(QueryError);
    expect(error).toMatchObject({ parameter });
  });

  it('quotes what it refuses printable, control characters and bidi overrides escaped', () => {
    expect(() => parseSearchParams(new URLSearchParams({ sort: 'price\u202Egpj' }))).toThrow(new QueryError('sort', '"price\\u202egpj" is not a value it takes', ''));
    expect(() => parseSearchParams(new URLSearchParams({ ['q\u0000']: 'x' }))).toThrow('q\\u0000: unknown parameter');
  });
});
