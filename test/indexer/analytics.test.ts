/**
 * Analytics against a real database: a small hand-made market (3 licence presets, 4 datasets, 9 licence sales of
 * which one 'self' and one 'owner-funded' wash trade, 3 providers, a job in every status and one wash job), the
 * rollups built with updateRollups(), then every report's exact numbers with and without wash trades, the CSV
 * form, and every bad parameter's QueryError.
 */
import { parseUnits } from 'viem';
import { MAX_DAYS, parseAnalyticsParams, reportCsv, runReport } from '@/lib/indexer/analytics';
import { REPORT_NAMES, type Amount } from '@/lib/indexer/api';
import { openDatabase, type IndexerDatabase } from '@/lib/indexer/db';
import { QueryError } from '@/lib/indexer/errors';
import { updateRollups } from '@/lib/indexer/rollups';
import * as t from '@/lib/indexer/schema';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';

const CONTEXT = { decimals: 6, symbol: 'dUSD' };
const units = (whole: string) => parseUnits(whole, 6).toString();
/** An amount as reports give it, from whole units. */
const a = (value: string): Amount => ({ raw: units(value), value });

const CURRENCY = '0x00000000000000000000000000000000000000C0';
const OWNER_1 = '0x00000000000000000000000000000000000000a1';
const OWNER_2 = '0x00000000000000000000000000000000000000a2';
const [B1, B2, B3, B4] = ['0x00000000000000000000000000000000000000b1', '0x00000000000000000000000000000000000000b2', '0x00000000000000000000000000000000000000b3', '0x00000000000000000000000000000000000000b4'];
const at = (iso: string) => new Date(`2026-01-${iso}Z`);

const TERMS = [
  { id: 1, preset: 'commercial' },
  { id: 2, preset: 'non-commercial' },
  { id: 3, preset: 'compute-only' },
];

/** Dataset 2's title needs CSV quoting and would be a spreadsheet formula; dataset 4 has no metadata yet and no sales. */
const DATASETS = [
  { id: 1, owner: OWNER_1, termsId: 1, title: 'Weather stations', published: '01T08:00:00' },
  { id: 2, owner: OWNER_1, termsId: 2, title: '@Traffic, "city" counts', published: '02T08:00:00' },
  { id: 3, owner: OWNER_2, termsId: 3, title: 'Genomes', published: '03T08:00:00' },
  { id: 4, owner: OWNER_2, termsId: 1, title: null, published: '03T09:00:00' },
];

/** Licence sales [dataset, buyer, price, fee, day+time, wash]; P4/P5 sit either side of midnight UTC. */
const PURCHASES: [number, string, string, string, string, string | null][] = [
  [1, B1, '10', '1', '01T10:00:00', null], // P1
  [1, B2, '10', '1', '02T09:00:00', null], // P2
  [2, B2, '2.5', '0.25', '02T23:59:59', null], // P4
  [1, OWNER_1, '10', '1', '02T12:00:00', 'self'], // W1: the owner buys their own dataset
  [1, B1, '10', '1', '03T12:00:00', null], // P3
  [2, B3, '0.5', '0.05', '03T00:00:00', null], // P5
  [2, B3, '2.5', '0.25', '03T15:00:00', 'owner-funded'], // W2: owner 1 paid B3 just before
  [1, B1, '150', '15', '04T08:00:00', null], // P6
  [2, B1, '0.5', '0.05', '04T09:00:00', null], // P7
];

interface JobRow {
  provider: number;
  buyer: string;
  dataset: number;
  status: string;
  escrow: string;
  max: number;
  requested: string;
  closed?: string;
  minutes?: number;
  delivered?: boolean;
  /** owner, provider, market fee, buyer refund */
  split?: [string, string, string, string];
  wash?: string;
}

const JOBS: JobRow[] = [
  { provider: 1, buyer: B1, dataset: 3, status: 'settled', escrow: '13', max: 10, requested: '03T10:00:00', closed: '03T11:00:00', minutes: 6, delivered: true, split: ['3', '5.7', '0.3', '4'] },
  { provider: 1, buyer: B2, dataset: 3, status: 'settled', escrow: '13', max: 10, requested: '04T10:00:00', closed: '05T01:00:00', minutes: 10, delivered: false, split: ['0', '2', '0', '11'] },
  { provider: 1, buyer: B3, dataset: 3, status: 'refunded', escrow: '8', max: 5, requested: '04T11:00:00', closed: '05T02:00:00', split: ['0', '0', '0', '8'] },
  { provider: 2, buyer: B1, dataset: 3, status: 'cancelled', escrow: '8', max: 5, requested: '04T12:00:00', closed: '04T13:00:00', split: ['0', '0', '0', '8'] },
  { provider: 2, buyer: B2, dataset: 3, status: 'requested', escrow: '13', max: 10, requested: '05T09:00:00' },
  { provider: 2, buyer: B4, dataset: 1, status: 'accepted', escrow: '8', max: 5, requested: '05T10:00:00' },
  { provider: 2, buyer: OWNER_2, dataset: 3, status: 'settled', escrow: '13', max: 10, requested: '02T08:00:00', closed: '02T09:00:00', minutes: 4, delivered: true, split: ['3', '3.8', '0.2', '6'], wash: 'self' },
];

async function seed({ db }: IndexerDatabase): Promise<void> {
  await db.insert(t.terms).values(
    TERMS.map(({ id, preset }) => ({ id, preset, currency: CURRENCY, accessDuration: 0, revShareBps: 0, computeOnly: preset === 'compute-only', aiTraining: false, transferable: false, commercialUse: preset !== 'non-commercial', derivatives: false, downloadPrice: units('10'), computePrice: '0', uri: `ipfs://terms-${id}` })),
  );
  await db.insert(t.datasets).values(
    DATASETS.map((d) => ({ id: d.id, owner: d.owner, termsId: d.termsId, listed: true, version: 1, metadataCid: `cid-${d.id}`, publishedAt: at(d.published), updatedAt: at(d.published), title: d.title, description: null, tags: [], metadataStatus: d.title ? 'ok' : 'pending' })),
  );
  await db.insert(t.purchases).values(
    PURCHASES.map(([datasetId, buyer, price, fee, time, wash], i) => ({
      txHash: `0xpurchase${i}`,
      logIndex: 1,
      blockNumber: 100 + i,
      timestamp: at(time),
      datasetId,
      buyer,
      owner: DATASETS[datasetId - 1]!.owner,
      termsId: DATASETS[datasetId - 1]!.termsId,
      currency: CURRENCY,
      price: units(price),
      fee: units(fee),
      expiresAt: null,
      wash,
    })),
  );
  await db.insert(t.providers).values(
    [1, 2, 3].map((id) => ({ id, owner: `0x${'0'.repeat(39)}${id}`, signer: `0x${'0'.repeat(39)}${id}`, endpoint: `http://provider-${id}.test`, environments: [{ kind: 'cpu', cpus: 2, memoryMb: 2048, gpus: 0, gpuModel: '', pricePerMinute: units('1') }], active: id !== 2, registeredAt: at('01T00:00:00') })),
  );
  await db.insert(t.jobs).values(
    JOBS.map((j, i) => ({
      id: i + 1,
      datasetId: j.dataset,
      providerId: j.provider,
      buyer: j.buyer,
      owner: DATASETS[j.dataset - 1]!.owner,
      environment: 0,
      escrow: units(j.escrow),
      dataFee: units('3'),
      pricePerMinute: units('1'),
      maxMinutes: j.max,
      status: j.status,
      requestedAt: at(j.requested),
      requestedBlock: 200 + i,
      closedAt: j.closed ? at(j.closed) : null,
      minutesUsed: j.minutes ?? null,
      delivered: j.delivered ?? null,
      ownerAmount: j.split ? units(j.split[0]) : null,
      providerAmount: j.split ? units(j.split[1]) : null,
      marketFee: j.split ? units(j.split[2]) : null,
      buyerRefund: j.split ? units(j.split[3]) : null,
      wash: j.wash ?? null,
    })),
  );
  await updateRollups(db, 'all', 10n ** 6n);
}

/** The QueryError a call throws. */
async function queryError(run: () => unknown): Promise<QueryError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof QueryError) return error;
    throw error;
  }
  throw new Error('expected a QueryError');
}

describe.each(DATABASE_KINDS)('analytics on %s', (kind) => {
  let database: TestDatabase;
  let idb: IndexerDatabase;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    idb = await openDatabase(database.config);
    await seed(idb);
  });

  afterAll(async () => {
    await idb?.close();
    await database?.drop();
  });

  const report = (name: string, query = '') => runReport(idb, name, parseAnalyticsParams(name, new URLSearchParams(query)), CONTEXT);

  test('totals count datasets, owners, buyers, licences, jobs and volume; wash trades apart', async () => {
    const flagged = { licences: 2, jobs: 1, volume: a('19.5') };
    expect(await report('totals')).toEqual({
      report: 'totals',
      symbol: 'dUSD',
      wash: 'exclude',
      datasets: 4,
      owners: 2,
      buyers: 4,
      licences: 7,
      jobs: 6,
      volume: a('194.5'),
      licenceVolume: a('183.5'),
      computeVolume: a('11'),
      flagged,
    });
    expect(await report('totals', 'wash=include')).toEqual({
      report: 'totals',
      symbol: 'dUSD',
      wash: 'include',
      datasets: 4,
      owners: 2,
      buyers: 6,
      licences: 9,
      jobs: 7,
      volume: a('214'),
      licenceVolume: a('196'),
      computeVolume: a('18'),
      flagged,
    });
  });

  test('daily: one row per UTC day of the range, empty days as zeros', async () => {
    const row = (day: string, licences: number, licenceVolume: string, computeVolume: string, listings: number, jobsRequested: number, computeMinutes: number) => ({
      day,
      volume: a(String(Number(licenceVolume) + Number(computeVolume))),
      licences,
      licenceVolume: a(licenceVolume),
      computeVolume: a(computeVolume),
      listings,
      jobsRequested,
      computeMinutes,
    });
    const excluded = await report('daily', 'from=2026-01-01&to=2026-01-06');
    expect(excluded).toEqual({
      report: 'daily',
      symbol: 'dUSD',
      wash: 'exclude',
      from: '2026-01-01',
      to: '2026-01-06',
      days: [
        row('2026-01-01', 1, '10', '0', 1, 0, 0),
        row('2026-01-02', 2, '12.5', '0', 1, 0, 0),
        row('2026-01-03', 2, '10.5', '9', 2, 1, 6),
        row('2026-01-04', 2, '150.5', '0', 0, 3, 0),
        row('2026-01-05', 0, '0', '2', 0, 2, 10),
        row('2026-01-06', 0, '0', '0', 0, 0, 0),
      ],
    });
    const included = await report('daily', 'from=2026-01-02&to=2026-01-03&wash=include');
    expect(included).toMatchObject({ days: [row('2026-01-02', 3, '22.5', '7', 1, 1, 4), row('2026-01-03', 3, '13', '9', 2, 1, 6)] });
    expect(await report('daily', 'from=2025-12-30&to=2025-12-30')).toMatchObject({ days: [row('2025-12-30', 0, '0', '0', 0, 0, 0)] });
  });

  test('top datasets by revenue and by distinct buyers', async () => {
    const weather = { datasetId: 1, title: 'Weather stations', owner: OWNER_1, sales: 4, revenue: a('180'), buyers: 2 };
    const traffic = { datasetId: 2, title: '@Traffic, "city" counts', owner: OWNER_1, sales: 3, revenue: a('3.5'), buyers: 3 };
    expect(await report('top-datasets')).toEqual({ report: 'top-datasets', symbol: 'dUSD', wash: 'exclude', by: 'revenue', datasets: [weather, traffic] });
    expect(await report('top-datasets', 'by=buyers')).toMatchObject({ by: 'buyers', datasets: [traffic, weather] });
    expect(await report('top-datasets', 'limit=1')).toMatchObject({ datasets: [weather] });
    // The owner's self-purchase adds a buyer to dataset 1; B3's funded purchase adds none to dataset 2.
    const washed = { datasets: [{ ...weather, sales: 5, revenue: a('190'), buyers: 3 }, { ...traffic, sales: 4, revenue: a('6') }] };
    expect(await report('top-datasets', 'wash=include')).toMatchObject(washed);
    expect(await report('top-datasets', 'wash=include&by=buyers')).toMatchObject(washed);
  });

  test('revenue split: owners, providers, market fees, refunds and held escrow add up to what buyers paid', async () => {
    const split = (licences: string, compute: string) => ({ licences: a(licences), compute: a(compute), total: a(String(Math.round((Number(licences) + Number(compute)) * 1e6) / 1e6)) });
    expect(await report('revenue-split')).toEqual({
      report: 'revenue-split',
      symbol: 'dUSD',
      wash: 'exclude',
      paid: split('183.5', '63'),
      owners: split('165.15', '3'),
      providers: split('0', '7.7'),
      marketFees: split('18.35', '0.3'),
      royalties: split('0', '0'),
      refunds: split('0', '31'),
      held: split('0', '21'),
    });
    expect(await report('revenue-split', 'wash=include')).toMatchObject({
      paid: split('196', '76'),
      owners: split('176.4', '6'),
      providers: split('0', '11.5'),
      marketFees: split('19.6', '0.5'),
      refunds: split('0', '37'),
      held: split('0', '21'),
    });
  });

  test('repeat buyers count licences and compute jobs', async () => {
    expect(await report('repeat-buyers')).toEqual({ report: 'repeat-buyers', symbol: 'dUSD', wash: 'exclude', buyers: 4, repeatBuyers: 3, rate: 0.75 });
    expect(await report('repeat-buyers', 'wash=include')).toMatchObject({ buyers: 6, repeatBuyers: 3, rate: 0.5 });
  });

  test('price distribution lists every bucket in order', async () => {
    const bucket = (name: string, lower: number, upper: number | null, sales: number, volume: string) => ({ bucket: name, lower, upper, sales, volume: a(volume) });
    const buckets = (oneToFive: [number, string], tenToFifty: [number, string]) => [
      bucket('<1', 0, 1, 2, '1'),
      bucket('1–5', 1, 5, ...oneToFive),
      bucket('5–10', 5, 10, 0, '0'),
      bucket('10–50', 10, 50, ...tenToFifty),
      bucket('50–100', 50, 100, 0, '0'),
      bucket('100–500', 100, 500, 1, '150'),
      bucket('500–1000', 500, 1000, 0, '0'),
      bucket('≥1000', 1000, null, 0, '0'),
    ];
    expect(await report('price-distribution')).toEqual({ report: 'price-distribution', symbol: 'dUSD', wash: 'exclude', buckets: buckets([1, '2.5'], [3, '30']) });
    expect(await report('price-distribution', 'wash=include')).toMatchObject({ buckets: buckets([2, '5'], [4, '40']) });
  });

  test('licence mix lists every preset', async () => {
    const mix = (nonCommercial: [number, string], commercial: [number, string]) => [
      { preset: 'non-commercial', sales: nonCommercial[0], volume: a(nonCommercial[1]) },
      { preset: 'commercial', sales: commercial[0], volume: a(commercial[1]) },
      { preset: 'commercial-remix', sales: 0, volume: a('0') },
      { preset: 'ai-training', sales: 0, volume: a('0') },
      { preset: 'compute-only', sales: 0, volume: a('0') },
    ];
    expect(await report('licence-mix')).toEqual({ report: 'licence-mix', symbol: 'dUSD', wash: 'exclude', licences: mix([3, '3.5'], [4, '180']) });
    expect(await report('licence-mix', 'wash=include')).toMatchObject({ licences: mix([4, '6'], [5, '190']) });
  });

  test('providers: jobs by outcome, success rate, utilization and earnings', async () => {
    const provider = (id: number) => ({ providerId: id, owner: `0x${'0'.repeat(39)}${id}`, endpoint: `http://provider-${id}.test`, active: id !== 2 });
    const idle = { jobs: 0, settled: 0, delivered: 0, failed: 0, cancelled: 0, successRate: null, computeMinutes: 0, bookedMinutes: 0, utilization: null, earnings: a('0') };
    const first = { ...provider(1), jobs: 3, settled: 2, delivered: 1, failed: 2, cancelled: 0, successRate: 0.3333, computeMinutes: 16, bookedMinutes: 25, utilization: 0.64, earnings: a('7.7') };
    expect(await report('providers')).toEqual({
      report: 'providers',
      symbol: 'dUSD',
      wash: 'exclude',
      providers: [first, { ...provider(2), ...idle, jobs: 3, cancelled: 1 }, { ...provider(3), ...idle }],
    });
    expect(await report('providers', 'wash=include')).toMatchObject({
      providers: [first, { ...provider(2), jobs: 4, settled: 1, delivered: 1, failed: 0, cancelled: 1, successRate: 1, computeMinutes: 4, bookedMinutes: 10, utilization: 0.4, earnings: a('3.8') }, { ...provider(3), ...idle }],
    });
  });

  test("dataset sales: one dataset's days and latest sales", async () => {
    const sale = (i: number) => {
      const [, buyer, price, , time, wash] = PURCHASES[i]!;
      return { txHash: `0xpurchase${i}`, logIndex: 1, timestamp: `2026-01-${time}Z`, buyer, price: a(price), wash };
    };
    const days = (second: [number, string]) => [
      { day: '2026-01-01', sales: 1, volume: a('10') },
      { day: '2026-01-02', sales: second[0], volume: a(second[1]) },
      { day: '2026-01-03', sales: 1, volume: a('10') },
      { day: '2026-01-04', sales: 1, volume: a('150') },
    ];
    expect(await report('dataset-sales', 'dataset=1&from=2026-01-01&to=2026-01-04&limit=2')).toEqual({
      report: 'dataset-sales',
      symbol: 'dUSD',
      wash: 'exclude',
      dataset: { datasetId: 1, title: 'Weather stations', owner: OWNER_1, sales: 4, revenue: a('180'), buyers: 2 },
      from: '2026-01-01',
      to: '2026-01-04',
      days: days([1, '10']),
      latest: [sale(7), sale(4)],
    });
    expect(await report('dataset-sales', 'dataset=1&from=2026-01-01&to=2026-01-04&limit=3&wash=include')).toMatchObject({
      dataset: { sales: 5, revenue: a('190'), buyers: 3 },
      days: days([2, '20']),
      latest: [sale(7), sale(4), sale(3)],
    });
    expect(await report('dataset-sales', 'dataset=4')).toMatchObject({ dataset: { datasetId: 4, title: null, sales: 0, revenue: a('0'), buyers: 0 }, latest: [] });
    const missing = await queryError(() => report('dataset-sales', 'dataset=99'));
    expect(missing.parameter).toBe('dataset');
  });

  test('wash trades: flagged sales, latest first, with the reason', async () => {
    const trade = (i: number, title: string) => {
      const [datasetId, buyer, price, , time, reason] = PURCHASES[i]!;
      return { txHash: `0xpurchase${i}`, logIndex: 1, timestamp: `2026-01-${time}Z`, buyer, price: a(price), wash: reason, datasetId, title, owner: OWNER_1, reason };
    };
    expect(await report('wash-trades')).toEqual({ report: 'wash-trades', symbol: 'dUSD', trades: [trade(6, '@Traffic, "city" counts'), trade(3, 'Weather stations')] });
    expect(await report('wash-trades', 'limit=1')).toMatchObject({ trades: [trade(6, '@Traffic, "city" counts')] });
    expect(await report('wash-trades', 'dataset=1')).toMatchObject({ trades: [trade(3, 'Weather stations')] });
  });

  test('CSV: a header row, whole-unit amounts, RFC 4180 quoting, no formulas', async () => {
    const csv = async (name: string, query = '') => reportCsv(name, await report(name, query));
    expect(await csv('totals')).toBe('datasets,owners,buyers,licences,jobs,volume,licence_volume,compute_volume,flagged_licences,flagged_jobs,flagged_volume\r\n4,2,4,7,6,194.5,183.5,11,2,1,19.5\r\n');
    expect(await csv('top-datasets', 'by=buyers')).toBe(
      `rank,dataset_id,title,owner,sales,revenue,buyers\r\n1,2,"'@Traffic, ""city"" counts",${OWNER_1},3,3.5,3\r\n2,1,Weather stations,${OWNER_1},4,180,2\r\n`,
    );
    expect(await csv('daily', 'from=2026-01-05&to=2026-01-06')).toBe('day,volume,licences,licence_volume,compute_volume,listings,jobs_requested,compute_minutes\r\n2026-01-05,2,0,0,2,0,2,10\r\n2026-01-06,0,0,0,0,0,0,0\r\n');
    expect(await csv('revenue-split')).toBe('share,licences,compute,total\r\npaid,183.5,63,246.5\r\nowners,165.15,3,168.15\r\nproviders,0,7.7,7.7\r\nmarket_fees,18.35,0.3,18.65\r\nroyalties,0,0,0\r\nrefunds,0,31,31\r\nheld,0,21,21\r\n');
    expect(await csv('repeat-buyers')).toBe('buyers,repeat_buyers,rate\r\n4,3,0.75\r\n');
    expect((await csv('price-distribution')).split('\r\n').slice(-3)).toEqual(['500–1000,500,1000,0,0', '≥1000,1000,,0,0', '']);
    expect((await csv('providers')).split('\r\n')[1]).toBe('1,0x0000000000000000000000000000000000000001,http://provider-1.test,true,3,2,1,2,0,0.3333,16,25,0.64,7.7');
    expect(await csv('dataset-sales', 'dataset=2&from=2026-01-03&to=2026-01-04')).toBe('day,sales,volume\r\n2026-01-03,1,0.5\r\n2026-01-04,1,0.5\r\n');
    expect((await csv('wash-trades', 'limit=1')).split('\r\n')[1]).toBe(`2026-01-03T15:00:00Z,0xpurchase6,1,2,"'@Traffic, ""city"" counts",${B3},${OWNER_1},2.5,owner-funded`);
    // Every report has a CSV form.
    for (const name of REPORT_NAMES) expect(await csv(name, name === 'dataset-sales' ? 'dataset=1' : '')).toMatch(/^[a-z_]+(,[a-z_]+)*\r\n/);
    expect(() => reportCsv('daily', { report: 'totals' })).toThrow(TypeError);
  });
});

describe('analytics parameters', () => {
  const parse = (report: string, query = '') => parseAnalyticsParams(report, new URLSearchParams(query));

  test('defaults: real sales only, 10 rows, by revenue, the 30 days to today', () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    expect(parse('totals')).toEqual({ wash: 'exclude', from, to: today, limit: 10, by: 'revenue' });
    expect(parse('daily', 'to=2026-03-01')).toMatchObject({ from: '2026-01-31', to: '2026-03-01' });
    expect(parse('dataset-sales', 'dataset=7&wash=include&limit=100&from=2026-01-01&to=2026-01-01')).toEqual({ wash: 'include', from: '2026-01-01', to: '2026-01-01', limit: 100, by: 'revenue', dataset: 7 });
  });

  test.each([
    ['nope', '', 'report'],
    ['totals', 'wash=maybe', 'wash'],
    ['top-datasets', 'by=sales', 'by'],
    ['daily', 'from=2026-02-30', 'from'],
    ['daily', 'to=2026-1-5', 'to'],
    ['daily', 'from=2026-01-05&to=2026-01-04', 'from'],
    ['daily', 'from=2025-01-01&to=2026-01-02', 'from'],
    ['top-datasets', 'limit=0', 'limit'],
    ['top-datasets', 'limit=101', 'limit'],
    ['top-datasets', 'limit=ten', 'limit'],
    ['dataset-sales', '', 'dataset'],
    ['dataset-sales', 'dataset=0', 'dataset'],
    ['dataset-sales', 'dataset=abc', 'dataset'],
  ])('%s?%s is refused on %s', async (report, query, parameter) => {
    const error = await queryError(() => parse(report, query));
    expect(error.parameter).toBe(parameter);
    expect(error.hint).not.toBe('');
  });

  test(`a range of ${MAX_DAYS} days is the longest`, () => {
    expect(parse('daily', 'from=2025-01-01&to=2025-12-31').from).toBe('2025-01-01');
    expect(parse('daily', 'from=2024-01-01&to=2024-12-31').to).toBe('2024-12-31');
  });
});
