/**
 * Lineage and royalties in the indexer, against the real embedded components (anvil with the contracts, the Helia
 * node, the key network) and a real database (PGlite; Postgres too when DATABASE_URL is set): two datasets, a model
 * trained on both under licences, a model tuned from that one, their sales (one of them the model's owner buying
 * its own model) and a compute job on the model, read back through the read API as the web app and the CLI read it:
 * the graph, the royalties to the unit, owners' revenue net of royalties as the chain credited it, the analytics
 * reports, the kind filter, hostile ids, and a reorg that takes a derivative and its royalty away.
 */
import { sql } from 'drizzle-orm';
import { parseUnits, type Address } from 'viem';
import { devAccount } from '@/lib/chain';
import { contractsOf } from '@/lib/contracts';
import type { AssetLineage, SearchResult } from '@/lib/indexer/api';
import { openDatabase, type IndexerDatabase } from '@/lib/indexer/db';
import { QueryError } from '@/lib/indexer/errors';
import { lineageOf, MAX_LINEAGE_NODES } from '@/lib/indexer/lineage';
import * as t from '@/lib/indexer/schema';
import type { Market } from '@/lib/market';
import { nextVersion } from '@/lib/market/document';
import { metadataPointer } from '@/lib/metadata/cid';
import { allowProviders, registerProvider } from '../contracts/fixture';
import { cpuEnvironment, mined } from '../helpers/compute';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';
import { serveIndexer, type ServedIndexer } from '../helpers/indexer';
import { requestJobOnChain, settleJobOnChain } from '../helpers/jobs';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(600_000);

const usd = (amount: string) => parseUnits(amount, 6);
const units = (amount: string) => usd(amount).toString();
const value = (amount: string) => ({ raw: units(amount), value: amount });
const OWNER_A = 4;
const OWNER_B = 5;
const MODELLER = 6;
const TUNER = 7;
const BUYER = 2;
const OPERATOR = 9;
const NODE_KEY = 8;
const address = (index: number): Address => devAccount(index).address;

/** The lineage and royalty rows, the rollups and the state a reorg rebuilds, for comparing two databases. */
async function dump(idb: IndexerDatabase): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    lineage: 'select asset_id, kind, content_hash from asset_lineage order by 1',
    parents: 'select asset_id, parent_id, job_id, bps from asset_parents order by 1, 2',
    ancestors: 'select asset_id, ancestor_id, bps, distance from asset_ancestors order by 1, 2',
    royalties: 'select tx_hash, log_index, source, asset_id, ancestor_id, owner, amount, sale_log_index, job_id, wash from royalties order by block_number, log_index',
    royaltyRollup: 'select dimension, key, wash, payments, volume from royalty_rollup order by 1, 2, 3',
    salesRollup: 'select dimension, key, wash, sales, volume, fees, royalties from sales_rollup order by 1, 2, 3',
    datasets: 'select id, owner, title from datasets order by id',
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(tables)) out[name] = await idb.rows(sql.raw(query));
  return out;
}

describe.each(DATABASE_KINDS)('lineage and royalties on %s', (kind) => {
  let services: TestServices;
  let served: ServedIndexer;
  let modeller: Market;
  let tuner: Market;
  let buyer: Market;
  let currency: Address;
  const ids: Record<'weather' | 'traffic' | 'model' | 'tuned', bigint> = { weather: 0n, traffic: 0n, model: 0n, tuned: 0n };

  beforeAll(async () => {
    services = await startTestServices();
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);
    currency = deployments.stablecoin.address;
    const [ownerA, ownerB] = await Promise.all([services.market(OWNER_A), services.market(OWNER_B)]);
    [modeller, tuner, buyer] = await Promise.all([services.market(MODELLER), services.market(TUNER), services.market(BUYER)]);

    // Two datasets whose terms allow training, sharing 10 % and 5 % of their derivatives' sales.
    ids.weather = (await ownerA.publish(services.file('weather.csv', 'station,temp\ns1,12.5\n'), { title: 'Weather stations', tags: ['weather'] }, { preset: 'ai-training', revShareBps: 1_000 }, { download: usd('10'), compute: 0n })).datasetId;
    ids.traffic = (await ownerB.publish(services.file('traffic.csv', 'road,cars\nr1,120\n'), { title: 'Traffic counts', tags: ['traffic'] }, { preset: 'ai-training', revShareBps: 500 }, { download: usd('4'), compute: 0n })).datasetId;
    // A model trained on both under licences, sharing 20 %; a model tuned from it, which owes all three.
    await modeller.buyLicence(ids.weather);
    await modeller.buyLicence(ids.traffic);
    const parents = [{ parentId: ids.weather }, { parentId: ids.traffic }];
    ids.model = (await modeller.publish(services.file('forecast.json', '{"weights":[0.5,0.25]}'), { title: 'Forecast model', tags: ['model'], derivation: { kind: 'model', parents } }, { preset: 'ai-training', revShareBps: 2_000 }, { download: usd('20'), compute: usd('15') })).datasetId;
    await tuner.buyLicence(ids.model);
    ids.tuned = (await tuner.publish(services.file('tuned.json', '{"weights":[0.5,0.3]}'), { title: 'Tuned forecast', derivation: { kind: 'model', parents: [{ parentId: ids.model }] } }, { preset: 'ai-training' }, { download: usd('50'), compute: 0n })).datasetId;

    // Sales: a dataset, both models, the model's owner buying its own model (a wash trade: the SDK refuses it, the contract does not).
    await buyer.buyLicence(ids.weather);
    await buyer.buyLicence(ids.model);
    await buyer.buyLicence(ids.tuned);
    const wallet = services.chain.wallet(MODELLER);
    await mined(publicClient, wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.marketplace, usd('20')] }));
    const { termsId } = await publicClient.readContract({ ...contracts.registry, functionName: 'getOffer', args: [ids.model] });
    await mined(publicClient, wallet.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [ids.model, termsId, usd('20')] }));

    // A delivered compute job on the model: its data fee pays the model's ancestors too.
    const providerId = await registerProvider(services.chain, OPERATOR, devAccount(NODE_KEY), [cpuEnvironment(usd('0.05'))], 'http://127.0.0.1:1');
    await allowProviders(services.chain, MODELLER, ids.model, [providerId]);
    const job = await requestJobOnChain(services.chain, BUYER, { datasetId: ids.model, providerId, maxMinutes: 5 });
    await settleJobOnChain(services.chain, NODE_KEY, job, { minutesUsed: 2, delivered: true, releasedBytes: 100n });

    served = await serveIndexer(services.config, kind);
    await served.indexer.catchUp();
  });

  afterAll(async () => {
    await served?.stop();
    await services?.stop();
  });

  // A model's document describes the very file its lineage registered; a dataset published without lineage has none to match.
  const node = (id: bigint, assetKind: 'dataset' | 'model', title: string, owner: number) => ({ id: String(id), kind: assetKind, title, owner: address(owner), contentMatches: assetKind === 'model' ? true : null });
  const edge = (parent: bigint, child: bigint, bps: number) => ({ parentId: String(parent), childId: String(child), bps, jobId: null });

  it('answers the graph: every ancestor, descendants below, each edge with its share', async () => {
    const weather = node(ids.weather, 'dataset', 'Weather stations', OWNER_A);
    const traffic = node(ids.traffic, 'dataset', 'Traffic counts', OWNER_B);
    const model = node(ids.model, 'model', 'Forecast model', MODELLER);
    const tuned = node(ids.tuned, 'model', 'Tuned forecast', TUNER);
    const byId = (nodes: AssetLineage['nodes']) => [...nodes].sort((x, y) => Number(x.id) - Number(y.id));
    const { client } = served;
    expect(await client.lineage(ids.model)).toEqual({
      assetId: String(ids.model),
      nodes: byId([weather, traffic, model, tuned]),
      edges: [edge(ids.weather, ids.model, 1_000), edge(ids.traffic, ids.model, 500), edge(ids.model, ids.tuned, 2_000)],
      truncated: false,
    });
    // From a root: its descendants only (the other dataset is neither an ancestor nor a descendant).
    expect(await client.lineage(ids.weather)).toEqual({ assetId: String(ids.weather), nodes: byId([weather, model, tuned]), edges: [edge(ids.weather, ids.model, 1_000), edge(ids.model, ids.tuned, 2_000)], truncated: false });
    expect((await client.lineage(ids.tuned)).nodes).toEqual(byId([weather, traffic, model, tuned]));
    // The grandchild owes its grandparents their absolute shares too, as the registry says.
    const { publicClient, deployments } = services.chain;
    const onChain = await publicClient.readContract({ ...contractsOf(deployments).registry, functionName: 'ancestorsOf', args: [ids.tuned] });
    const indexed = await served.indexer.database.rows(sql`select ancestor_id, bps, distance from asset_ancestors where asset_id = ${Number(ids.tuned)} order by ancestor_id`);
    expect(indexed).toEqual(onChain.map((a) => ({ ancestor_id: Number(a.assetId), bps: a.bps, distance: a.assetId === ids.model ? 1 : 2 })).sort((x, y) => x.ancestor_id - y.ancestor_id));
  });

  it('answers royalties earned and paid to the unit, those of the wash trade left out', async () => {
    const sum = (amount: string, payments: number) => [{ currency, amount: units(amount), payments }];
    // Each model sale (20, 2.5 % fee) pays 1.95 and 0.975; the tuned model's (50) 9.75, 4.875 and 2.4375; the job's data fee (15) 1.4625 and 0.73125.
    expect(await served.client.royalties(ids.weather)).toEqual({
      earned: sum('10.2375', 4),
      paid: [],
      fromDerivatives: [
        { assetId: String(ids.model), title: 'Forecast model', amount: units('5.3625') },
        { assetId: String(ids.tuned), title: 'Tuned forecast', amount: units('4.875') },
      ],
    });
    expect(await served.client.royalties(ids.traffic)).toMatchObject({ earned: sum('5.11875', 4) });
    expect(await served.client.royalties(ids.model)).toEqual({
      earned: sum('9.75', 1),
      paid: sum('8.04375', 6),
      fromDerivatives: [{ assetId: String(ids.tuned), title: 'Tuned forecast', amount: units('9.75') }],
    });
    expect(await served.client.royalties(ids.tuned)).toEqual({ earned: [], paid: sum('17.0625', 3), fromDerivatives: [] });
  });

  it("gives a derivative owner's revenue net of the royalties, as the chain credited it, and royalty income apart", async () => {
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);

    const tuned = await served.client.owner(address(TUNER));
    expect(tuned.totals).toMatchObject({ licences: 1, revenue: value('50'), earned: value('31.6875'), royaltyIncome: [] });
    expect(tuned.totals.earned.raw).toBe(String(await publicClient.readContract({ ...contracts.marketplace, functionName: 'withdrawable', args: [currency, address(TUNER)] })));

    // Two real sales of the model (its owner's own purchase left out); its job's data fee is net already.
    const owner = await served.client.owner(address(MODELLER));
    expect(owner.totals).toMatchObject({ licences: 2, revenue: value('40'), earned: value('33.15'), computeJobs: 1, computeEarned: value('12.43125'), royaltyIncome: [{ currency, amount: units('9.75'), payments: 1 }] });
    expect(owner.totals.computeEarned.raw).toBe(String(await publicClient.readContract({ ...contracts.computeMarket, functionName: 'withdrawable', args: [currency, address(MODELLER)] })));
    expect(owner.datasets.items).toEqual([expect.objectContaining({ id: String(ids.model), kind: 'model' })]);

    const weatherOwner = await served.client.owner(address(OWNER_A));
    expect(weatherOwner.totals).toMatchObject({ licences: 2, revenue: value('20'), earned: value('19.5'), royaltyIncome: [{ currency, amount: units('10.2375'), payments: 4 }] });
  });

  it('reports royalty volume, the datasets their derivatives paid most and the largest trees; the revenue split adds up', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { client } = served;
    expect(await client.report('royalty-volume', { from: today, to: today })).toEqual({ report: 'royalty-volume', symbol: 'dUSD', wash: 'exclude', from: today, to: today, days: [{ day: today, volume: value('25.10625'), payments: 9 }] });
    expect(await client.report('royalty-volume', { from: today, to: today, wash: 'include' })).toMatchObject({ days: [{ volume: value('28.03125'), payments: 11 }] });
    const ranked = (id: bigint, title: string, owner: number, assetKind: string, royalties: string, payments: number, derivatives: number) => ({ datasetId: Number(id), title, owner: address(owner), kind: assetKind, royalties: value(royalties), payments, derivatives });
    expect(await client.report('derivative-revenue')).toEqual({
      report: 'derivative-revenue',
      symbol: 'dUSD',
      wash: 'exclude',
      datasets: [
        ranked(ids.weather, 'Weather stations', OWNER_A, 'dataset', '10.2375', 4, 2),
        ranked(ids.model, 'Forecast model', MODELLER, 'model', '9.75', 1, 1),
        ranked(ids.traffic, 'Traffic counts', OWNER_B, 'dataset', '5.11875', 4, 2),
      ],
    });
    expect(await client.report('derivative-revenue', { limit: 1, wash: 'include' })).toMatchObject({ datasets: [{ datasetId: Number(ids.weather), royalties: value('12.1875'), payments: 5 }] });
    const tree = (id: bigint, title: string, owner: number) => ({ rootId: Number(id), title, owner: address(owner), kind: 'dataset', descendants: 2, depth: 2 });
    expect(await client.report('lineage-trees')).toEqual({ report: 'lineage-trees', trees: [tree(ids.weather, 'Weather stations', OWNER_A), tree(ids.traffic, 'Traffic counts', OWNER_B)] });

    // Licences: 20 + 4 + 40 + 50 paid, 2.85 in fees, 22.9125 in royalties. Compute: 15.25 escrowed, 15.1 spent.
    const split = (licences: string, compute: string, total: string) => ({ licences: value(licences), compute: value(compute), total: value(total) });
    expect(await client.report('revenue-split')).toMatchObject({
      paid: split('114', '15.25', '129.25'),
      owners: split('88.2375', '12.43125', '100.66875'),
      providers: split('0', '0.0975', '0.0975'),
      marketFees: split('2.85', '0.3775', '3.2275'),
      royalties: split('22.9125', '2.19375', '25.10625'),
      refunds: split('0', '0.15', '0.15'),
    });
    expect(await client.csv('lineage-trees')).toBe(`rank,root_id,title,owner,kind,descendants,depth\r\n1,${ids.weather},Weather stations,${address(OWNER_A)},dataset,2,2\r\n2,${ids.traffic},Traffic counts,${address(OWNER_B)},dataset,2,2\r\n`);
    expect((await client.csv('royalty-volume', { from: today, to: today })).split('\r\n')[1]).toBe(`${today},25.10625,9`);
  });

  it('filters the catalogue by kind, and says the kind of every row', async () => {
    const search = (params: Record<string, string>) => served.client.search<SearchResult>(params);
    const listed = (result: SearchResult) => result.items.map((item) => [item.id, item.kind]);
    expect(listed(await search({ kind: 'model', sort: 'newest', order: 'asc' }))).toEqual([[String(ids.model), 'model'], [String(ids.tuned), 'model']]);
    expect(listed(await search({ kind: 'dataset', sort: 'newest', order: 'asc' }))).toEqual([[String(ids.weather), 'dataset'], [String(ids.traffic), 'dataset']]);
    expect((await search({ q: 'forecast', kind: 'model' })).total).toBe(2);
    await expect(search({ kind: 'models' })).rejects.toMatchObject({ name: 'QueryError', parameter: 'kind' });
  });

  it('answers a hostile id with a QueryError and goes on serving', async () => {
    const { server, client } = served;
    for (const id of ['0', '-1', 'abc', '99999999999999999999', '1e3', '1.5', '0x10', '%00', '%E2%80%AE7', '9'.repeat(5_000), '999999']) {
      for (const route of ['lineage', 'royalties']) {
        const response = await fetch(`${server.url}/api/v1/datasets/${id}/${route}`);
        expect([id, route, response.status]).toEqual([id, route, 400]);
        expect(await response.json()).toMatchObject({ error: 'bad-query', parameter: 'datasetId' });
      }
    }
    await expect(client.lineage(999_999)).rejects.toBeInstanceOf(QueryError);
    expect((await client.lineage(ids.model)).nodes).toHaveLength(4);
    expect(await client.health()).toMatchObject({ lag: 0 });
  });

  it('drops a derivative and its royalty when a reorg removes them, and rebuilds the rest', async () => {
    const { indexer, client } = served;
    const before = await dump(indexer.database);
    const [weatherLineage, weatherRoyalties] = await Promise.all([client.lineage(ids.weather), client.royalties(ids.weather)]);

    const snapshot = await services.chain.testClient.snapshot();
    // The buyer, licensed on the weather data, publishes a dataset derived from it, and the tuner buys it.
    const blend = await buyer.publish(services.file('blend.csv', 'station,temp\ns1,12.7\n'), { title: 'Blended weather', derivation: { kind: 'dataset', parents: [{ parentId: ids.weather }] } }, { preset: 'ai-training' }, { download: usd('8'), compute: 0n });
    await tuner.buyLicence(blend.datasetId);
    await indexer.catchUp();
    expect((await client.lineage(ids.weather)).nodes.map((n) => n.id)).toContain(String(blend.datasetId));
    expect((await client.royalties(ids.weather)).earned).toEqual([{ currency, amount: units('11.0175'), payments: 5 }]);
    expect(await client.royalties(blend.datasetId)).toMatchObject({ paid: [{ amount: units('0.78'), payments: 1 }] });

    // Another branch: the same id is a plain dataset now.
    await services.chain.testClient.revert({ id: snapshot });
    const plain = await buyer.publish(services.file('plain.csv', 'k,v\n1,2\n'), { title: 'Plain survey' }, { preset: 'commercial' }, { download: usd('1'), compute: 0n });
    expect(plain.datasetId).toBe(blend.datasetId);
    await indexer.catchUp();
    expect(await client.lineage(ids.weather)).toEqual(weatherLineage);
    expect(await client.royalties(ids.weather)).toEqual(weatherRoyalties);
    expect(await client.lineage(plain.datasetId)).toEqual({ assetId: String(plain.datasetId), nodes: [node(plain.datasetId, 'dataset', 'Plain survey', BUYER)], edges: [], truncated: false });
    expect(await client.royalties(plain.datasetId)).toEqual({ earned: [], paid: [], fromDerivatives: [] });
    const after = await dump(indexer.database);
    expect({ ...after, datasets: after.datasets!.slice(0, -1) }).toEqual(before);

    // The same rows as an indexer that only ever saw the surviving branch.
    const fresh = await serveIndexer(services.config, kind);
    try {
      await fresh.indexer.catchUp();
      expect(await dump(fresh.indexer.database)).toEqual(after);
    } finally {
      await fresh.stop();
    }
  });

  it("says when a derivative's owner swaps the file it sells for another than its lineage registered", async () => {
    const snapshot = await services.chain.testClient.snapshot();
    try {
      // The owner anchors a version of its own making: same content CID and key, another plaintext hash.
      const port = modeller.port();
      const current = await port.anchored(ids.model);
      const swapped = { ...nextVersion(current, {}, port.account), plaintextSha256: 'ab'.repeat(32) };
      const cid = await port.storeDocument(swapped);
      await port.send('swap the model', { ...contractsOf(port.market).registry, functionName: 'updateMetadata', args: [ids.model, metadataPointer(cid)] });
      await served.indexer.catchUp();
      const nodes = (await served.client.lineage(ids.model)).nodes;
      expect(nodes.find((n) => n.id === String(ids.model))?.contentMatches).toBe(false);
      expect(nodes.find((n) => n.id === String(ids.tuned))?.contentMatches).toBe(true);
    } finally {
      await services.chain.testClient.revert({ id: snapshot });
      await served.indexer.catchUp();
    }
  });
});

describe.each(DATABASE_KINDS)('lineage bounds on %s', (kind) => {
  let database: TestDatabase;
  let idb: IndexerDatabase;
  const ROOT = 1;
  /** 120 children of the root; and a chain below the root's first child, 4 levels deep. */
  const CHILDREN = Array.from({ length: 120 }, (_, i) => 2 + i);
  const CHAIN = [2, 200, 201, 202, 203];

  beforeAll(async () => {
    database = await freshDatabase(kind);
    idb = await openDatabase(database.config);
    const all = [ROOT, ...CHILDREN, ...CHAIN.slice(1)];
    const when = new Date('2026-01-01T00:00:00Z');
    await idb.db.insert(t.datasets).values(all.map((id) => ({ id, owner: address(OWNER_A), termsId: 1, listed: true, version: 1, metadataCid: `cid-${id}`, publishedAt: when, updatedAt: when, title: `asset ${id}`, tags: [], metadataStatus: 'ok' })));
    await idb.db.insert(t.assetLineage).values(all.slice(1).map((id) => ({ assetId: id, kind: 'model', contentHash: `0x${'00'.repeat(32)}`, registeredAt: when })));
    const links = [...CHILDREN.map((id) => [ROOT, id]), ...CHAIN.slice(1).map((id, i) => [CHAIN[i]!, id])] as [number, number][];
    await idb.db.insert(t.assetParents).values(links.map(([parentId, assetId]) => ({ assetId, parentId, jobId: null, bps: 100 })));
    const ancestorsOf = (id: number): number[] => links.filter(([, child]) => child === id).flatMap(([parent]) => [parent, ...ancestorsOf(parent)]);
    await idb.db.insert(t.assetAncestors).values(all.flatMap((id) => ancestorsOf(id).map((ancestorId) => ({ assetId: id, ancestorId, bps: 100, distance: 1 }))));
  });

  afterAll(async () => {
    await idb?.close();
    await database?.drop();
  });

  it(`holds at most ${MAX_LINEAGE_NODES} nodes, and says when it left some out`, async () => {
    const lineage = await lineageOf(idb, ROOT);
    expect(lineage.nodes).toHaveLength(MAX_LINEAGE_NODES);
    expect(lineage.truncated).toBe(true);
    // Every edge joins two of the nodes given.
    const members = new Set(lineage.nodes.map((n) => n.id));
    expect(lineage.edges.every((e) => members.has(e.parentId) && members.has(e.childId))).toBe(true);
  });

  it('goes down three levels: a fourth is left out', async () => {
    const [, first, second, third, fourth] = CHAIN;
    const fromFirst = await lineageOf(idb, first!);
    expect(fromFirst.nodes.map((n) => Number(n.id))).toEqual([ROOT, 2, first, second, third, fourth]);
    expect(fromFirst.truncated).toBe(false);
    const fromChild = await lineageOf(idb, 2);
    expect(fromChild.nodes.map((n) => Number(n.id))).toEqual([ROOT, 2, first, second, third]);
    expect(fromChild.truncated).toBe(true);
  });
});
