/**
 * The indexer against the real embedded components (anvil with the contracts, the Helia node, the key network)
 * and a real database (PGlite; Postgres too when DATABASE_URL is set): a scripted market history ends up in
 * the tables exactly, a restart resumes without duplicates or gaps, and a reorg made with anvil's
 * snapshot/revert drops the orphaned rows.
 */
import { parseUnits, type Address } from 'viem';
import { sql } from 'drizzle-orm';
import { devAccount } from '@/lib/chain';
import type { Config } from '@/lib/config';
import { contractsOf } from '@/lib/contracts';
import { setReleaseBudget } from '@/lib/market/actions/owner';
import { metadataPointer } from '@/lib/metadata';
import { encodeDagJson } from '@/lib/metadata/dag-json';
import { parseAnalyticsParams, runReport } from '@/lib/indexer/analytics';
import { Indexer } from '@/lib/indexer/indexer';
import { releasesOf } from '@/lib/indexer/releases';
import { updateRollups } from '@/lib/indexer/rollups';
import type { Market } from '@/lib/market';
import { allowProviders, publishDataset, registerProvider } from '../contracts/fixture';
import { cpuEnvironment, mined } from '../helpers/compute';
import { requestJobOnChain, settleJobOnChain } from '../helpers/jobs';
import { freePort } from '../helpers/market';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(600_000);

const usd = (amount: string) => parseUnits(amount, 6);
const OWNER_A = 4;
const OWNER_B = 5;
const BUYER = 2;
const BUYER_2 = 3;
const SOCK_PUPPET = 6;
const OPERATOR = 9;
const NODE_KEY = 8;

/** Rows of the tables the history fills, in a stable order, for comparing two databases. */
async function dump(indexer: Indexer): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    events: 'select tx_hash, log_index, block_number, name from events order by block_number, log_index',
    datasets: 'select id, owner, terms_id, listed, version, metadata_cid, title, tags, metadata_status from datasets order by id',
    versions: 'select dataset_id, version, metadata_cid from dataset_versions order by 1, 2',
    terms: 'select id, preset, download_price, compute_price from terms order by id',
    purchases: 'select tx_hash, log_index, dataset_id, buyer, price, fee, wash from purchases order by block_number, log_index',
    transfers: 'select tx_hash, log_index, "from", "to", value from token_transfers order by block_number, log_index',
    providers: 'select id, owner, signer, active, environments from providers order by id',
    jobs: 'select id, dataset_id, buyer, owner, status, minutes_used, delivered, epsilon, release_bytes, released_bytes, owner_amount, provider_amount, market_fee, buyer_refund, wash from jobs order by id',
    budgets: 'select dataset_id, epsilon_total, epsilon_per_buyer, bytes_per_job, bytes_per_buyer from release_budgets order by dataset_id',
    rollup: 'select dimension, key, wash, sales, volume, fees from sales_rollup order by 1, 2, 3',
    buyers: 'select buyer, purchases, wash_purchases from buyers order by buyer',
    datasetBuyers: 'select dataset_id, buyer, purchases, wash_purchases from dataset_buyers order by 1, 2',
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(tables)) out[name] = await indexer.database.rows(sql.raw(query));
  return out;
}

describe.each(DATABASE_KINDS)('indexer on %s', (kind) => {
  let services: TestServices;
  let ownerA: Market;
  let ownerB: Market;
  let buyer: Market;
  let buyer2: Market;
  let puppet: Market;
  const databases: TestDatabase[] = [];
  const indexers: Indexer[] = [];

  /** An indexer on a fresh database (or on `database` to resume). */
  async function openIndexer(database?: TestDatabase): Promise<{ indexer: Indexer; database: TestDatabase }> {
    const db = database ?? (await freshDatabase(kind));
    if (!database) databases.push(db);
    const config: Config = { ...services.config, indexer: { ...services.config.indexer, database: db.config, batchBlocks: 7 } };
    const indexer = await Indexer.open(config);
    indexers.push(indexer);
    return { indexer, database: db };
  }

  async function close(indexer: Indexer): Promise<void> {
    indexers.splice(indexers.indexOf(indexer), 1);
    await indexer.stop();
  }

  const address = (index: number): Address => devAccount(index).address;

  async function transferStablecoin(from: number, to: number, amount: bigint): Promise<void> {
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);
    await mined(publicClient, services.chain.wallet(from).writeContract({ ...contracts.stablecoin, functionName: 'transfer', args: [address(to), amount] }));
  }

  /** An owner buying its own dataset, straight on the contract: the SDK refuses it (OwnDatasetError). */
  async function buyOwnDataset(owner: number, datasetId: bigint, price: bigint): Promise<void> {
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);
    const wallet = services.chain.wallet(owner);
    await mined(publicClient, wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.marketplace, price] }));
    const { termsId } = await publicClient.readContract({ ...contracts.registry, functionName: 'getOffer', args: [datasetId] });
    await mined(publicClient, wallet.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [datasetId, termsId, price] }));
  }

  beforeAll(async () => {
    services = await startTestServices();
    ownerA = await services.market(OWNER_A);
    ownerB = await services.market(OWNER_B);
    buyer = await services.market(BUYER);
    buyer2 = await services.market(BUYER_2);
    puppet = await services.market(SOCK_PUPPET);
  });
  afterAll(async () => {
    for (const indexer of indexers) await indexer.stop();
    for (const database of databases) await database.drop();
    await services?.stop();
  });

  it('indexes a scripted market history exactly, and resumes after a restart without duplicates or gaps', async () => {
    // Part 1, indexed by a first run that then stops.
    const genome = await ownerA.publish(services.file('genome.csv', 'sample,variant\ns1,BRCA1\ns2,TP53\n'), { title: 'Genome variants', description: 'Variant calls of two samples', tags: ['genomics', 'health'] }, { preset: 'commercial' }, { download: usd('10'), compute: 0n });
    const retail = await ownerA.publish(services.file('retail.csv', 'basket,total\nb1,12.5\nb2,7\n'), { title: 'Retail baskets', tags: ['retail'] }, { preset: 'non-commercial' }, { download: usd('2.5'), compute: 0n });
    const first = await openIndexer();
    await first.indexer.catchUp();
    const early = await dump(first.indexer);
    expect(early.datasets).toEqual([
      expect.objectContaining({ id: Number(genome.datasetId), title: 'Genome variants', tags: ['genomics', 'health'], metadata_status: 'ok', listed: true, version: 1 }),
      expect.objectContaining({ id: Number(retail.datasetId), title: 'Retail baskets', metadata_status: 'ok' }),
    ]);
    await close(first.indexer);

    // Part 2, while the indexer is down: sales (one to the owner, one to a buyer the owner funded), jobs, changes.
    await buyer.buyLicence(genome.datasetId);
    await buyer.buyLicence(retail.datasetId);
    await buyer2.buyLicence(genome.datasetId);
    await buyOwnDataset(OWNER_A, genome.datasetId, usd('10'));
    await transferStablecoin(OWNER_A, SOCK_PUPPET, usd('20'));
    await puppet.buyLicence(genome.datasetId);

    const vitals = await ownerB.publish(services.file('vitals.csv', 'patient,hr\np1,72\np2,88\n'), { title: 'ICU vitals', tags: ['health'] }, { preset: 'compute-only' }, { download: 0n, compute: usd('15') });
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);
    const providerId = await registerProvider(services.chain, OPERATOR, devAccount(NODE_KEY), [cpuEnvironment(usd('0.05'))], 'http://127.0.0.1:1');
    await allowProviders(services.chain, OWNER_B, vitals.datasetId, [providerId]);
    // The owner limits what jobs release; each job reserves its ε and bytes, the settlement says what it released.
    const budget = { epsilonTotal: 5_000_000n, epsilonPerBuyer: 2_000_000n, bytesPerJob: 4_096n, bytesPerBuyer: 10_000n };
    await setReleaseBudget(ownerB.port(), vitals.datasetId, budget);
    const onVitals = (maxMinutes: number, epsilon: bigint) => ({ datasetId: vitals.datasetId, providerId, maxMinutes, epsilon });
    const settled = await requestJobOnChain(services.chain, BUYER, onVitals(5, 1_500_000n));
    await settleJobOnChain(services.chain, NODE_KEY, settled, { minutesUsed: 2, delivered: true, releasedBytes: 1_500n });
    const cancelled = await requestJobOnChain(services.chain, BUYER_2, onVitals(3, 500_000n));
    await mined(publicClient, services.chain.wallet(BUYER_2).writeContract({ ...contracts.computeMarket, functionName: 'cancelJob', args: [cancelled.jobId, cancelled.job] }));
    // A later change replaces the budget: the last one counts.
    await setReleaseBudget(ownerB.port(), vitals.datasetId, { ...budget, bytesPerBuyer: 0n });

    await ownerA.updateMetadata(genome.datasetId, { title: 'Genome variants, annotated' });
    await ownerA.delist(retail.datasetId);

    // The second run resumes from the first one's cursor.
    const resumed = await openIndexer(first.database);
    await resumed.indexer.catchUp();
    const tables = await dump(resumed.indexer);

    const id = (value: bigint) => Number(value);
    expect(tables.datasets).toEqual([
      expect.objectContaining({ id: id(genome.datasetId), title: 'Genome variants, annotated', version: 2, listed: true, metadata_status: 'ok' }),
      expect.objectContaining({ id: id(retail.datasetId), listed: false }),
      expect.objectContaining({ id: id(vitals.datasetId), title: 'ICU vitals', owner: address(OWNER_B), metadata_status: 'ok' }),
    ]);
    expect(tables.versions).toEqual([
      expect.objectContaining({ dataset_id: id(genome.datasetId), version: 1 }),
      expect.objectContaining({ dataset_id: id(genome.datasetId), version: 2 }),
      expect.objectContaining({ dataset_id: id(retail.datasetId), version: 1 }),
      expect.objectContaining({ dataset_id: id(vitals.datasetId), version: 1 }),
    ]);
    const sale = (dataset: bigint, who: number, price: string, wash: string | null) => ({ dataset_id: id(dataset), buyer: address(who), price: usd(price).toString(), fee: ((usd(price) * 250n) / 10_000n).toString(), wash });
    expect(tables.purchases).toEqual([
      expect.objectContaining(sale(genome.datasetId, BUYER, '10', null)),
      expect.objectContaining(sale(retail.datasetId, BUYER, '2.5', null)),
      expect.objectContaining(sale(genome.datasetId, BUYER_2, '10', null)),
      expect.objectContaining(sale(genome.datasetId, OWNER_A, '10', 'self')),
      expect.objectContaining(sale(genome.datasetId, SOCK_PUPPET, '10', 'owner-funded')),
    ]);
    // Only transfers sent by dataset owners are kept: the funding of the sock puppet, and the owner's own payment.
    expect(tables.transfers).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: address(OWNER_A), to: address(SOCK_PUPPET), value: usd('20').toString() })]),
    );
    expect(tables.transfers!.every((row) => [address(OWNER_A), address(OWNER_B)].includes((row as { from: Address }).from))).toBe(true);
    expect(tables.providers).toEqual([expect.objectContaining({ id: 1, owner: address(OPERATOR), signer: address(NODE_KEY), active: true })]);

    // Job 1: 15 data fee + 2 minutes at 0.05, 2.5 % fee on both; the rest of the escrow back to the buyer.
    const paid = usd('15') + 2n * usd('0.05');
    const fee = (usd('15') * 250n) / 10_000n + (2n * usd('0.05') * 250n) / 10_000n;
    expect(tables.jobs).toEqual([
      expect.objectContaining({ id: id(settled.jobId), buyer: address(BUYER), owner: address(OWNER_B), status: 'settled', minutes_used: 2, delivered: true, epsilon: 1_500_000, release_bytes: 4_096, released_bytes: 1_500, market_fee: fee.toString(), buyer_refund: (settled.escrow - paid).toString(), wash: null }),
      expect.objectContaining({ id: id(cancelled.jobId), buyer: address(BUYER_2), status: 'cancelled', epsilon: 500_000, release_bytes: 4_096, released_bytes: 0, buyer_refund: cancelled.escrow.toString(), wash: null }),
    ]);
    // Publishing data for any algorithm sets the default 64 kB cap a job; the compute-only data runs templates: no cap until its owner sets one.
    const anyAlgorithm = (dataset: bigint) => ({ dataset_id: id(dataset), epsilon_total: '0', epsilon_per_buyer: '0', bytes_per_job: '65536', bytes_per_buyer: '0' });
    expect(tables.budgets).toEqual([anyAlgorithm(genome.datasetId), anyAlgorithm(retail.datasetId), { dataset_id: id(vitals.datasetId), epsilon_total: '5000000', epsilon_per_buyer: '2000000', bytes_per_job: '4096', bytes_per_buyer: '0' }]);

    // Per buyer, what the chain's own counters say: the delivered job's ε and released bytes; the cancelled one's given back.
    const releases = await releasesOf(resumed.indexer.database, id(vitals.datasetId));
    const unreserved = { epsilon: '0', bytes: '0' };
    expect(releases).toMatchObject({
      budget: { epsilonTotal: '5000000', epsilonPerBuyer: '2000000', bytesPerJob: '4096', bytesPerBuyer: '0' },
      totals: { buyers: 2, jobs: 2, delivered: 1, epsilon: '1500000', releasedBytes: '1500', reserved: unreserved },
      buyers: [
        { buyer: address(BUYER), jobs: 1, delivered: 1, epsilon: '1500000', releasedBytes: '1500', reserved: unreserved },
        { buyer: address(BUYER_2), jobs: 1, delivered: 0, epsilon: '0', releasedBytes: '0', reserved: unreserved },
      ],
    });
    for (const row of releases.buyers) {
      const [epsilonTotal, spent] = await publicClient.readContract({ ...contracts.computeMarket, functionName: 'releaseSpent', args: [vitals.datasetId, row.buyer as Address] });
      expect({ epsilonTotal: epsilonTotal.toString(), epsilon: spent.epsilon.toString(), released: spent.released.toString() }).toEqual({ epsilonTotal: releases.totals.epsilon, epsilon: row.epsilon, released: row.releasedBytes });
    }
    // A dataset without jobs, and ids the indexer has not seen.
    expect(await releasesOf(resumed.indexer.database, id(genome.datasetId))).toEqual({
      datasetId: id(genome.datasetId),
      budget: { epsilonTotal: '0', epsilonPerBuyer: '0', bytesPerJob: '65536', bytesPerBuyer: '0', updatedAt: expect.any(String) },
      totals: { buyers: 0, jobs: 0, delivered: 0, epsilon: '0', releasedBytes: '0', reserved: unreserved },
      buyers: [],
    });
    await expect(releasesOf(resumed.indexer.database, 999)).rejects.toMatchObject({ name: 'QueryError', parameter: 'datasetId' });
    const job = tables.jobs![0] as Record<string, string>;
    expect(BigInt(job.owner_amount!) + BigInt(job.provider_amount!) + BigInt(job.market_fee!) + BigInt(job.buyer_refund!)).toBe(settled.escrow);

    const today = new Date().toISOString().slice(0, 10);
    const rollup = (dimension: string, key: string, wash: boolean) => tables.rollup!.find((r) => { const row = r as { dimension: string; key: string; wash: boolean }; return row.dimension === dimension && row.key === key && row.wash === wash; });
    expect(rollup('day', today, false)).toMatchObject({ sales: 3, volume: usd('22.5').toString(), fees: ((usd('22.5') * 250n) / 10_000n).toString() });
    expect(rollup('day', today, true)).toMatchObject({ sales: 2, volume: usd('20').toString() });
    expect(rollup('licence', 'commercial', false)).toMatchObject({ sales: 2 });
    expect(rollup('price', '10–50', true)).toMatchObject({ sales: 2 });
    expect(tables.buyers).toEqual(
      expect.arrayContaining([
        { buyer: address(BUYER), purchases: 3, wash_purchases: 0 },
        { buyer: address(BUYER_2), purchases: 2, wash_purchases: 0 },
        { buyer: address(OWNER_A), purchases: 0, wash_purchases: 1 },
        { buyer: address(SOCK_PUPPET), purchases: 0, wash_purchases: 1 },
      ]),
    );

    // The analytics reports over that history, to the unit (2.5 % market fee).
    const report = (name: string, query = '') => runReport(resumed.indexer.database, name, parseAnalyticsParams(name, new URLSearchParams(query)), resumed.indexer.context);
    const value = (amount: string) => ({ raw: usd(amount).toString(), value: amount });
    expect(await report('totals')).toMatchObject({
      datasets: 3,
      owners: 2,
      buyers: 2,
      licences: 3,
      jobs: 2,
      licenceVolume: value('22.5'),
      computeVolume: value('15.1'),
      volume: value('37.6'),
      flagged: { licences: 2, jobs: 0, volume: value('20') },
    });
    expect(await report('totals', 'wash=include')).toMatchObject({ buyers: 4, licences: 5, volume: value('57.6') });
    expect(await report('revenue-split')).toMatchObject({
      paid: { licences: value('22.5'), compute: value('30.4'), total: value('52.9') },
      owners: { licences: value('21.9375'), compute: value('14.625'), total: value('36.5625') },
      providers: { compute: value('0.0975') },
      marketFees: { licences: value('0.5625'), compute: value('0.3775'), total: value('0.94') },
      refunds: { compute: value('15.3') },
      held: { total: value('0') },
    });
    expect(await report('repeat-buyers')).toMatchObject({ buyers: 2, repeatBuyers: 2, rate: 1 });
    expect(await report('top-datasets', 'by=buyers')).toMatchObject({
      datasets: [
        { datasetId: id(genome.datasetId), sales: 2, revenue: value('20'), buyers: 2 },
        { datasetId: id(retail.datasetId), sales: 1, revenue: value('2.5'), buyers: 1 },
      ],
    });
    expect(await report('top-datasets', 'by=buyers&wash=include')).toMatchObject({ datasets: [{ datasetId: id(genome.datasetId), sales: 4, buyers: 4 }, { buyers: 1 }] });
    expect(await report('providers')).toMatchObject({ providers: [{ providerId: 1, jobs: 2, delivered: 1, cancelled: 1, successRate: 1, computeMinutes: 2, bookedMinutes: 5, utilization: 0.4, earnings: value('0.0975') }] });
    expect(await report('licence-mix')).toMatchObject({ licences: expect.arrayContaining([{ preset: 'commercial', sales: 2, volume: value('20') }, { preset: 'non-commercial', sales: 1, volume: value('2.5') }]) });
    const { trades } = (await report('wash-trades')) as { trades: { buyer: string; wash: string }[] };
    expect(trades.map(({ buyer, wash }) => ({ buyer, wash }))).toEqual(expect.arrayContaining([{ buyer: address(SOCK_PUPPET), wash: 'owner-funded' }, { buyer: address(OWNER_A), wash: 'self' }]));
    expect(trades).toHaveLength(2);

    // Full-text search sees the annotated title's stem.
    expect(await resumed.indexer.database.rows(sql`select id from datasets where search @@ plainto_tsquery('english', 'genomes annotation')`)).toEqual([{ id: id(genome.datasetId) }]);

    // Nothing doubled or missing: a run from scratch on an empty database ends with the same rows.
    const scratch = await openIndexer();
    await scratch.indexer.catchUp();
    expect(await dump(scratch.indexer)).toEqual(tables);
    await close(scratch.indexer);

    // The rollups each batch added up equal rollups rebuilt from every row.
    await resumed.indexer.database.db.transaction((tx) => updateRollups(tx, 'all', 10n ** 6n));
    expect(await dump(resumed.indexer)).toEqual(tables);

    const status = await resumed.indexer.status();
    expect(status).toMatchObject({ lag: 0, backfilling: false, datasets: 3, pendingMetadata: 0, logs: tables.events!.length + tables.purchases!.length + tables.transfers!.length });
    await close(resumed.indexer);
  });

  it('drops the rows of orphaned blocks after a reorg and rebuilds the state from the kept events', async () => {
    const { indexer } = await openIndexer();
    await indexer.catchUp();
    const before = await dump(indexer);
    const datasetCount = before.datasets!.length;

    const snapshot = await services.chain.testClient.snapshot();
    const orphan = await ownerB.publish(services.file('orphan.csv', 'a,b\n1,2\n'), { title: 'Orphaned survey', tags: ['survey'] }, { preset: 'commercial' }, { download: usd('4'), compute: 0n });
    await buyer.buyLicence(orphan.datasetId);
    await transferStablecoin(OWNER_B, BUYER_2, usd('1'));
    await indexer.catchUp();
    const forked = await dump(indexer);
    expect(forked.datasets).toHaveLength(datasetCount + 1);
    expect(forked.purchases).toHaveLength(before.purchases!.length + 1);

    // The chain goes back to the snapshot and grows another branch with a different dataset under the same id.
    await services.chain.testClient.revert({ id: snapshot });
    const replacement = await ownerB.publish(services.file('replacement.csv', 'x\n1\n'), { title: 'Replacement weather', tags: ['weather'] }, { preset: 'non-commercial' }, { download: usd('1'), compute: 0n });
    expect(replacement.datasetId).toBe(orphan.datasetId);
    await indexer.catchUp();
    const after = await dump(indexer);

    expect(after.purchases).toEqual(before.purchases);
    expect(after.transfers).toEqual(before.transfers);
    expect(after.rollup).toEqual(before.rollup);
    expect(after.buyers).toEqual(before.buyers);
    expect(after.datasets).toEqual([...before.datasets!, expect.objectContaining({ id: Number(replacement.datasetId), title: 'Replacement weather', metadata_status: 'ok' })]);
    const orphanedTx = new Set((forked.events as { tx_hash: string }[]).map((e) => e.tx_hash).filter((hash) => !(before.events as { tx_hash: string }[]).some((e) => e.tx_hash === hash)));
    expect((after.events as { tx_hash: string }[]).filter((e) => orphanedTx.has(e.tx_hash))).toEqual([]);
    expect((await indexer.status()).reorgs).toBe(1);

    // The same rows as an indexer that only ever saw the surviving branch.
    const { indexer: fresh } = await openIndexer();
    await fresh.catchUp();
    expect(await dump(fresh)).toEqual(after);
  });

  it('marks a listing whose metadata is not a signed document invalid, and indexes everything else', async () => {
    const cid = await ownerB.store.putBlock(await encodeDagJson({ title: 'not a signed document' }), 'dag-json');
    const { datasetId: next } = await publishDataset(services.chain, OWNER_B, metadataPointer(cid), 1n);
    await buyer.buyLicence(next);

    const { indexer } = await openIndexer();
    await indexer.catchUp();
    const { datasets, purchases } = await dump(indexer);
    expect(datasets!.at(-1)).toMatchObject({ id: Number(next), title: null, metadata_status: 'invalid' });
    expect(datasets!.slice(0, -1).every((d) => (d as { metadata_status: string }).metadata_status === 'ok')).toBe(true);
    expect(purchases!.at(-1)).toMatchObject({ dataset_id: Number(next), buyer: address(BUYER) });
    expect(await indexer.status()).toMatchObject({ pendingMetadata: 0, lag: 0 });
  });

  it('keeps listings whose metadata cannot be read yet pending, indexes the chain meanwhile, and reads them once storage answers', async () => {
    const late = await ownerB.publish(services.file('late.csv', 'k,v\n1,2\n'), { title: 'Late metadata', tags: ['late'] }, { preset: 'commercial' }, { download: usd('3'), compute: 0n });
    const database = await freshDatabase(kind);
    databases.push(database);
    const storage = { ...services.config.storage, apiUrl: `http://127.0.0.1:${await freePort()}` } as Config['storage'];
    const blind = await Indexer.open({ ...services.config, storage, indexer: { ...services.config.indexer, database: database.config } });
    indexers.push(blind);
    await blind.catchUp();
    const status = await blind.status();
    expect(status).toMatchObject({ lag: 0, pendingMetadata: status.datasets });
    await close(blind);

    // Storage is back: the unreachable documents are read again after their wait (2 s after one failure).
    const { indexer } = await openIndexer(database);
    for (let i = 0; i < 100 && (await indexer.status()).pendingMetadata > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await indexer.syncOnce();
    }
    const { datasets } = await dump(indexer);
    expect(datasets!.find((d) => (d as { id: number }).id === Number(late.datasetId))).toMatchObject({ title: 'Late metadata', metadata_status: 'ok' });
    expect(await indexer.status()).toMatchObject({ pendingMetadata: 0 });
  });
});
