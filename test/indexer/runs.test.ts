/**
 * A compute run in the indexer's analytics, against the real embedded components (anvil with the contracts, the
 * Helia node, the key network) and a real database (PGlite; Postgres too when DATABASE_URL is set): one requestJob
 * over two datasets on one provider is settled job by job with the same minutes, and counts them (and its booked
 * minutes) once, as the chain priced them; a federated run over two providers counts each provider's own; the jobs,
 * escrows and spend stay per job; a reorg that replaces a run with a job under the same id rebuilds the same rows as
 * an indexer that only saw the surviving branch.
 */
import { sql } from 'drizzle-orm';
import { parseUnits } from 'viem';
import { devAccount } from '@/lib/chain';
import type { Config } from '@/lib/config';
import { parseAnalyticsParams, runReport } from '@/lib/indexer/analytics';
import type { DailyReport } from '@/lib/indexer/api';
import { Indexer } from '@/lib/indexer/indexer';
import { allowProviders, registerProvider } from '../contracts/fixture';
import { cpuEnvironment } from '../helpers/compute';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';
import { requestJobOnChain, requestRunOnChain, settleJobOnChain, type RequestedJob } from '../helpers/jobs';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(600_000);

const usd = (amount: string) => parseUnits(amount, 6);
const value = (amount: string) => ({ raw: usd(amount).toString(), value: amount });
const OWNER_A = 4;
const OWNER_B = 5;
const BUYER = 2;
/** Each provider's owner, node key and price per minute. */
const PROVIDERS = [
  { operator: 9, node: 8, perMinute: '0.05' },
  { operator: 7, node: 6, perMinute: '0.07' },
] as const;
const DAY_MS = 86_400_000;

/** The jobs' rows as a run leaves them. */
const JOB_ROWS = 'select id, run_id, provider_id, metered, status, minutes_used, max_minutes from jobs order by id';

describe.each(DATABASE_KINDS)('compute runs on %s', (kind) => {
  let services: TestServices;
  let datasets: [bigint, bigint];
  let providerIds: [bigint, bigint];
  const databases: TestDatabase[] = [];
  const indexers: Indexer[] = [];

  async function openIndexer(): Promise<Indexer> {
    const database = await freshDatabase(kind);
    databases.push(database);
    const config: Config = { ...services.config, indexer: { ...services.config.indexer, database: database.config } };
    const indexer = await Indexer.open(config);
    indexers.push(indexer);
    await indexer.catchUp();
    return indexer;
  }

  /** Provider `index`'s node settles `jobs` with `minutesUsed` each, results delivered, as it settles a run. */
  async function settle(index: 0 | 1, jobs: RequestedJob[], minutesUsed: number): Promise<void> {
    for (const job of jobs) await settleJobOnChain(services.chain, PROVIDERS[index].node, job, { minutesUsed, delivered: true, releasedBytes: 0n });
  }

  const on = (dataset: 0 | 1, provider: 0 | 1, maxMinutes: number) => ({ datasetId: datasets[dataset], providerId: providerIds[provider], maxMinutes });
  const report = (indexer: Indexer, name: string, query = '') => runReport(indexer.database, name, parseAnalyticsParams(name, new URLSearchParams(query)), indexer.context);
  const id = (job: RequestedJob | undefined) => Number(job!.jobId);

  beforeAll(async () => {
    services = await startTestServices();
    const [ownerA, ownerB] = await Promise.all([services.market(OWNER_A), services.market(OWNER_B)]);
    const publish = (owner: typeof ownerA, name: string) => owner.publish(services.file(`${name}.csv`, 'patient,hr\np1,72\n'), { title: name, tags: ['health'] }, { preset: 'compute-only' }, { download: 0n, compute: usd('2') });
    datasets = [(await publish(ownerA, 'Ward A vitals')).datasetId, (await publish(ownerB, 'Ward B vitals')).datasetId];
    providerIds = [0n, 0n];
    for (const [i, { operator, node, perMinute }] of PROVIDERS.entries()) {
      providerIds[i] = await registerProvider(services.chain, operator, devAccount(node), [cpuEnvironment(usd(perMinute))], `http://127.0.0.1:${i + 1}`);
    }
    await allowProviders(services.chain, OWNER_A, datasets[0], providerIds);
    await allowProviders(services.chain, OWNER_B, datasets[1], providerIds);
  });
  afterAll(async () => {
    for (const indexer of indexers) await indexer.stop();
    for (const database of databases) await database.drop();
    await services?.stop();
  });

  it("counts a run's minutes on one provider once, a federated run's on each provider, and its jobs and spend per job", async () => {
    const run = await requestRunOnChain(services.chain, BUYER, [on(0, 0, 10), on(1, 0, 10)]);
    await settle(0, run, 3);
    const federated = await requestRunOnChain(services.chain, BUYER, [on(0, 0, 5), on(1, 1, 5)]);
    await settle(0, federated.slice(0, 1), 2);
    await settle(1, federated.slice(1), 4);
    const indexer = await openIndexer();

    // Provider 1: 3 minutes of 10 booked, once for the two datasets, and 2 of 5; provider 2: 4 of 5. What each
    // earned is those minutes at its price, less the 2.5 % market fee.
    const provider = (index: 0 | 1, jobs: number, computeMinutes: number, bookedMinutes: number, earnings: string) => ({ providerId: Number(providerIds[index]), jobs, settled: jobs, delivered: jobs, computeMinutes, bookedMinutes, utilization: Math.round((computeMinutes / bookedMinutes) * 10_000) / 10_000, earnings: value(earnings) });
    expect(await report(indexer, 'providers')).toMatchObject({ providers: [provider(0, 3, 5, 15, '0.24375'), provider(1, 1, 4, 5, '0.273')] });
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    const { days } = (await report(indexer, 'daily', `from=${yesterday}&to=${today}`)) as DailyReport;
    expect({ jobsRequested: days.reduce((sum, d) => sum + d.jobsRequested, 0), computeMinutes: days.reduce((sum, d) => sum + d.computeMinutes, 0) }).toEqual({ jobsRequested: 4, computeMinutes: 9 });
    // Four data fees of 2, and the minutes as paid: 5 at 0.05 and 4 at 0.07.
    expect(await report(indexer, 'totals')).toMatchObject({ jobs: 4, computeVolume: value('8.53') });

    const job = (requested: RequestedJob | undefined, runId: number, provider: 0 | 1, metered: boolean, minutes: number, max: number) => ({ id: id(requested), run_id: runId, provider_id: Number(providerIds[provider]), metered, status: 'settled', minutes_used: minutes, max_minutes: max });
    expect(await indexer.database.rows(sql.raw(JOB_ROWS))).toEqual([
      job(run[0], id(run[0]), 0, true, 3, 10),
      job(run[1], id(run[0]), 0, false, 3, 10),
      job(federated[0], id(federated[0]), 0, true, 2, 5),
      job(federated[1], id(federated[0]), 1, true, 4, 5),
    ]);
  });

  it('rebuilds the runs after a reorg replaces one with a job of the same id', async () => {
    const indexer = await openIndexer();
    const before = await indexer.database.rows(sql.raw(JOB_ROWS));
    const snapshot = await services.chain.testClient.snapshot();
    const orphan = await requestRunOnChain(services.chain, BUYER, [on(0, 1, 6), on(1, 1, 6)]);
    await settle(1, orphan, 5);
    await indexer.catchUp();
    expect(await report(indexer, 'providers')).toMatchObject({ providers: [{}, { jobs: 3, computeMinutes: 9, bookedMinutes: 11 }] });

    // The other branch: the same job id, requested alone, its minutes its own.
    await services.chain.testClient.revert({ id: snapshot });
    const alone = await requestJobOnChain(services.chain, BUYER, on(1, 1, 6));
    expect(alone.jobId).toBe(orphan[0]!.jobId);
    await settle(1, [alone], 5);
    await indexer.catchUp();
    expect((await indexer.status()).reorgs).toBe(1);
    const after = await indexer.database.rows(sql.raw(JOB_ROWS));
    expect(after).toEqual([...before, { id: id(alone), run_id: null, provider_id: Number(providerIds[1]), metered: true, status: 'settled', minutes_used: 5, max_minutes: 6 }]);
    expect(await report(indexer, 'providers')).toMatchObject({ providers: [{ computeMinutes: 5, bookedMinutes: 15 }, { jobs: 2, computeMinutes: 9, bookedMinutes: 11 }] });

    const fresh = await openIndexer();
    expect(await fresh.database.rows(sql.raw(JOB_ROWS))).toEqual(after);
  });
});
