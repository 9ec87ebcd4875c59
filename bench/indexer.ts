/**
 * The indexer: how fast it ingests a chain's events (thousands of licence sales on the embedded anvil, indexed
 * from scratch), and how fast analytics and search answer with 1,000,000 synthetic purchases loaded directly
 * into the database. PGlite always; Postgres too when DATABASE_URL is set.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeFunctionData, maxUint256, parseGwei, parseUnits, type Hex } from 'viem';
import { sql } from 'drizzle-orm';
import { devAccount } from '../lib/chain';
import { contractsOf, marketplaceAbi } from '../lib/contracts';
import { parseAnalyticsParams, runReport } from '../lib/indexer/analytics';
import { REPORT_NAMES } from '../lib/indexer/api';
import { openDatabase, type IndexerDatabase } from '../lib/indexer/db';
import { Indexer } from '../lib/indexer/indexer';
import { lineageOf, royaltiesOf } from '../lib/indexer/lineage';
import { updateRollups } from '../lib/indexer/rollups';
import { parseSearchParams, searchDatasets, searchVector } from '../lib/indexer/search';
import { DATABASE_KINDS, freshDatabase, type DatabaseKind } from '../test/helpers/database';
import { startTestServices, type TestServices } from '../test/helpers/services';
import type { PublishFigure } from './publish';
import { percentile } from './stats';

const BUYERS = [1, 2, 3, 5, 6, 7, 8];
const CONTEXT = { decimals: 6, symbol: 'dUSD' };
/** Full blocks raise the base fee; a generous cap keeps every pre-signed purchase minable (dev chain). */
const MAX_FEE = parseGwei('1000');

/**
 * Sends `count` licence purchases of `datasetId` under `termsId` from the dev buyers, pre-signed, with automine off
 * so blocks fill up (one nonce after another per account: anvil drops nonces that arrive out of order under load).
 */
async function buyMany(services: TestServices, datasetId: bigint, termsId: bigint, count: number): Promise<void> {
  const { publicClient, deployments, testClient } = services.chain;
  const data = encodeFunctionData({ abi: marketplaceAbi, functionName: 'buyLicence', args: [datasetId, termsId, maxUint256] });
  for (const index of BUYERS) {
    const approve = await services.chain.wallet(index).writeContract({ ...contractsOf(deployments).stablecoin, functionName: 'approve', args: [deployments.contracts.marketplace, maxUint256] });
    await publicClient.waitForTransactionReceipt({ hash: approve });
  }
  await testClient.setAutomine(false);
  try {
    await Promise.all(
      BUYERS.map(async (index, b) => {
        const account = devAccount(index);
        let nonce = await publicClient.getTransactionCount({ address: account.address });
        const mine = Math.floor(count / BUYERS.length) + (b < count % BUYERS.length ? 1 : 0);
        for (let i = 0; i < mine; i++) {
          const tx = await account.signTransaction({ to: deployments.contracts.marketplace, data, gas: 300_000n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: parseGwei('1'), nonce: nonce++, chainId: deployments.chainId, type: 'eip1559' });
          await publicClient.sendRawTransaction({ serializedTransaction: tx });
        }
      }),
    );
    for (;;) {
      const pool = (await publicClient.request({ method: 'txpool_status' } as never)) as { pending: Hex };
      if (BigInt(pool.pending) === 0n) break;
      await testClient.mine({ blocks: 1 });
    }
  } finally {
    await testClient.setAutomine(true);
  }
}

/** Events per second an indexer on a fresh `kind` database reaches over the whole chain. */
async function ingestRate(services: TestServices, kind: DatabaseKind): Promise<{ events: number; seconds: number }> {
  const database = await freshDatabase(kind);
  const indexer = await Indexer.open({ ...services.config, indexer: { ...services.config.indexer, database: database.config } });
  try {
    const started = performance.now();
    await indexer.catchUp();
    const seconds = (performance.now() - started) / 1000;
    return { events: (await indexer.status()).logs, seconds };
  } finally {
    await indexer.stop();
    await database.drop();
  }
}

/**
 * Loads a synthetic market: 1,000 datasets, `purchases` sales over a year (2 % wash), 20,000 jobs; the last 200
 * assets are models of two parents each (the last 50 of a model and a dataset), whose sales pay their ancestors.
 */
async function loadSynthetic(idb: IndexerDatabase, purchases: number): Promise<void> {
  const words = ['genome', 'retail', 'weather', 'traffic', 'vitals', 'satellite', 'energy', 'finance', 'speech', 'images'];
  await idb.db.execute(sql`select setseed(0.42)`);
  await idb.db.execute(sql`
    insert into terms (id, currency, access_duration, rev_share_bps, compute_only, ai_training, transferable, commercial_use, derivatives, download_price, compute_price, preset, uri)
    select g, '0x0000000000000000000000000000000000000001', 31536000, 0, g = 5, g = 4, false, g in (2, 3, 4), g = 3,
      case when g = 5 then 0 else g * 2500000 end, case when g = 5 then 15000000 else 0 end,
      (array['non-commercial', 'commercial', 'commercial-remix', 'ai-training', 'compute-only'])[g], 'ipfs://terms'
    from generate_series(1, 5) g`);
  await idb.db.execute(sql`
    insert into datasets (id, owner, terms_id, listed, version, metadata_cid, published_at, updated_at, title, description, tags, format, size, row_count, metadata_status)
    select g, '0x' || lpad(to_hex(g % 200 + 1), 40, '0'), g % 5 + 1, true, 1, 'bafy' || g, now() - (g || ' hours')::interval, now(),
      initcap(${sql.raw(`(array['${words.join("','")}'])`)}[g % 10 + 1]) || ' dataset ' || g, 'Synthetic dataset number ' || g,
      array[${sql.raw(`(array['${words.join("','")}'])`)}[g % 10 + 1], 'synthetic'], 'csv', 1000000, 10000, 'ok'
    from generate_series(1, 1000) g`);
  await idb.db.execute(sql`update datasets set search = ${searchVector()}`);
  await idb.db.execute(sql`
    insert into providers (id, owner, signer, endpoint, environments, active, registered_at)
    select g, '0x' || lpad(to_hex(900 + g), 40, '0'), '0x' || lpad(to_hex(950 + g), 40, '0'), 'http://provider-' || g, '[{"kind":"cpu","cpus":8,"memoryMb":32768,"gpus":0,"gpuModel":"","pricePerMinute":"50000"}]', true, now()
    from generate_series(1, 3) g`);
  await idb.db.execute(sql`
    insert into purchases (tx_hash, log_index, block_number, timestamp, dataset_id, buyer, owner, terms_id, currency, price, fee, expires_at, wash)
    select '0x' || md5(g::text), 0, g, now() - (random() * 365 * 86400 || ' seconds')::interval, d, '0x' || lpad(to_hex((random() * 50000)::int + 1000), 40, '0'),
      '0x' || lpad(to_hex(d % 200 + 1), 40, '0'), d % 5 + 1, '0x0000000000000000000000000000000000000001', p, p / 40, null,
      case when random() < 0.02 then 'owner-funded' end
    from (select g, (random() * 999)::int + 1 as d, ((random() * 200)::int + 1) * 500000 as p from generate_series(1, ${purchases}) g) s`);
  await idb.db.execute(sql`
    insert into jobs (id, dataset_id, provider_id, buyer, owner, environment, escrow, data_fee, price_per_minute, max_minutes, status, requested_at, requested_block, closed_at, minutes_used, delivered, owner_amount, provider_amount, market_fee, buyer_refund)
    select g, (g % 200) * 5 + 5, g % 3 + 1, '0x' || lpad(to_hex(g % 5000 + 1000), 40, '0'), '0x' || lpad(to_hex(((g % 200) * 5 + 5) % 200 + 1), 40, '0'), 0,
      15500000, 15000000, 50000, 10, 'settled', now() - (g || ' minutes')::interval, g, now() - (g || ' minutes')::interval, 3, g % 10 <> 0,
      14625000, 146250, 378750, 350000
    from generate_series(1, 20000) g`);
  await idb.db.execute(sql`insert into asset_lineage (asset_id, kind, content_hash, registered_at) select g, 'model', '0x' || md5(g::text), now() from generate_series(801, 1000) g`);
  await idb.db.execute(sql`
    insert into asset_parents (asset_id, parent_id, job_id, bps)
    select g, p, null, 500 from generate_series(801, 1000) g, lateral (values (g - 800), (case when g > 950 then g - 150 else g - 400 end)) v(p)`);
  await idb.db.execute(sql`insert into asset_ancestors (asset_id, ancestor_id, bps, distance) select asset_id, parent_id, bps, 1 from asset_parents`);
  await idb.db.execute(sql`
    insert into asset_ancestors (asset_id, ancestor_id, bps, distance)
    select c.asset_id, a.ancestor_id, a.bps, a.distance + 1 from asset_parents c join asset_ancestors a on a.asset_id = c.parent_id on conflict do nothing`);
  await idb.db.execute(sql`
    insert into royalties (tx_hash, log_index, block_number, timestamp, source, asset_id, ancestor_id, owner, currency, amount, sale_log_index, job_id, wash)
    select p.tx_hash, row_number() over (partition by p.tx_hash), p.block_number, p.timestamp, 'licence', p.dataset_id, a.ancestor_id,
      '0x' || lpad(to_hex(a.ancestor_id % 200 + 1), 40, '0'), p.currency, p.price / 20, p.log_index, null, p.wash
    from purchases p join asset_ancestors a on a.asset_id = p.dataset_id`);
}

/** p95 of `runs` calls of `query` after a few warm-up calls. */
async function p95(query: () => Promise<unknown>, runs = 40): Promise<number> {
  for (let i = 0; i < 3; i++) await query();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await query();
    samples.push(performance.now() - started);
  }
  return Math.round(percentile(samples, 0.95) * 10) / 10;
}

async function queryLatencies(kind: DatabaseKind, purchases: number): Promise<PublishFigure[]> {
  const database = await freshDatabase(kind);
  const idb = await openDatabase(database.config);
  try {
    let started = performance.now();
    await loadSynthetic(idb, purchases);
    const loadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await idb.db.transaction((tx) => updateRollups(tx, 'all', 10n ** 6n));
    const rollupSeconds = (performance.now() - started) / 1000;
    const figures: PublishFigure[] = [
      { name: `${kind}: load ${purchases.toLocaleString('en-US')} synthetic purchases`, value: Math.round(loadSeconds * 10) / 10, unit: 's', note: 'SQL generate_series, 1,000 datasets (200 models), 20,000 jobs, the royalties of models\' sales' },
      { name: `${kind}: rebuild every rollup from them`, value: Math.round(rollupSeconds * 10) / 10, unit: 's', note: 'what a reorg costs at this size' },
    ];
    for (const report of REPORT_NAMES) {
      const search = new URLSearchParams(report === 'dataset-sales' ? { dataset: '7' } : {});
      const params = parseAnalyticsParams(report, search);
      figures.push({ name: `${kind}: analytics ${report} p95`, value: await p95(() => runReport(idb, report, params, CONTEXT)), unit: 'ms', target: 50 });
    }
    for (const [label, query] of [
      ['search "genome" by sales', 'q=genome&sort=sales'],
      ['search, commercial ≤ 20, by revenue', 'commercial=true&maxPrice=20&sort=revenue'],
    ] as const) {
      const parsed = parseSearchParams(new URLSearchParams(query));
      figures.push({ name: `${kind}: ${label} p95`, value: await p95(() => searchDatasets(idb, parsed, CONTEXT)), unit: 'ms', target: 50 });
    }
    // Dataset 1 is the parent of model 801, itself a parent of model 951.
    figures.push({ name: `${kind}: lineage of a model p95`, value: await p95(() => lineageOf(idb, 801)), unit: 'ms', target: 50 });
    figures.push({ name: `${kind}: royalties of a dataset p95`, value: await p95(() => royaltiesOf(idb, 1)), unit: 'ms', target: 50 });
    return figures;
  } finally {
    await idb.close();
    await database.drop();
  }
}

/** Ingest rate over `sales` on-chain purchases, and query latency over `purchases` synthetic ones. */
export async function measureIndexer(options: { sales?: number; purchases?: number } = {}): Promise<PublishFigure[]> {
  const sales = options.sales ?? 20_000;
  const purchases = options.purchases ?? 1_000_000;
  const figures: PublishFigure[] = [];
  const services = await startTestServices();
  try {
    const owner = await services.market(4);
    const file = path.join(services.home, 'prices.csv');
    writeFileSync(file, 'day,price\n2026-01-01,10.5\n');
    const { datasetId, termsId } = await owner.publish(file, { title: 'Bench prices', tags: ['bench'] }, { preset: 'commercial', accessDays: 1 }, { download: parseUnits('1', 6), compute: 0n });
    const started = performance.now();
    await buyMany(services, datasetId, termsId, sales);
    const sendSeconds = (performance.now() - started) / 1000;
    figures.push({ name: `${sales.toLocaleString('en-US')} licence sales sent to anvil`, value: Math.round(sendSeconds * 10) / 10, unit: 's', note: 'setup, not the indexer' });
    for (const kind of DATABASE_KINDS) {
      const { events, seconds } = await ingestRate(services, kind);
      figures.push({ name: `${kind}: ingest from scratch`, value: Math.round(events / seconds), unit: 'events/s', target: 10_000, atLeast: true, note: `${events.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s: getLogs, decode, insert, wash flags, rollups` });
    }
  } finally {
    await services.stop();
  }
  for (const kind of DATABASE_KINDS) figures.push(...(await queryLatencies(kind, purchases)));
  return figures;
}
