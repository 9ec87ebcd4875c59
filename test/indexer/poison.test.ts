/**
 * One dataset never poisons the indexer (issue 16): an attacker signs and anchors documents that the database
 * cannot store as they are (NUL, lone surrogates, a NUL deep in the key conditions) and registers terms and a
 * provider whose strings hold NUL bytes; an honest dataset published after them is still indexed and found, the
 * hostile ones end `invalid` with a storable reason, and the indexer is at the head. A batch the database
 * refuses is logged once with its block range and the database's own words, never the query's parameters.
 * Against the real embedded components and a real database (PGlite; Postgres too when DATABASE_URL is set).
 */
import { sql } from 'drizzle-orm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { devAccount } from '@/lib/chain';
import type { Config } from '@/lib/config';
import { Indexer } from '@/lib/indexer/indexer';
import { parseSearchParams, searchDatasets } from '@/lib/indexer/search';
import { licenceTerms } from '@/lib/licence';
import { openStore, type ContentStore } from '@/lib/storage';
import { registerProvider } from '../contracts/fixture';
import { cpuEnvironment, gpuEnvironment } from '../helpers/compute';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../helpers/database';
import { anchorCraftedDocument, anchorDocument } from '../helpers/hostile';
import { startTestServices, type TestServices } from '../helpers/services';
import { sampleDocument } from '../metadata/fixtures';

jest.setTimeout(300_000);

const OWNER = 4;
const ATTACKER = 7;

describe.each(DATABASE_KINDS)('an indexer on %s fed hostile documents and events', (kind) => {
  let services: TestServices;
  let store: ContentStore;
  const databases: TestDatabase[] = [];
  const indexers: Indexer[] = [];

  async function openIndexer(log?: (line: string) => void): Promise<Indexer> {
    const database = await freshDatabase(kind);
    databases.push(database);
    const indexer = await Indexer.open({ ...services.config, indexer: { ...services.config.indexer, database: database.config } } satisfies Config, log);
    indexers.push(indexer);
    return indexer;
  }

  /** An honest owner's dataset, its document signed and stored by the SDK's metadata store. */
  async function publishHonest(title: string): Promise<bigint> {
    const terms = licenceTerms({ currency: services.chain.deployments.stablecoin.address });
    const document = (datasetId: bigint) => sampleDocument(devAccount(OWNER).address, { datasetId: datasetId.toString(), title, tags: ['ocean'] });
    return (await anchorDocument(services.chain, store, OWNER, terms, document)).datasetId;
  }

  const statusOf = async (indexer: Indexer, id: bigint) =>
    (await indexer.database.rows<{ metadata_status: string; title: string | null }>(sql`select metadata_status, title from datasets where id = ${Number(id)}`))[0];
  const search = async (indexer: Indexer, q: string) => (await searchDatasets(indexer.database, parseSearchParams(new URLSearchParams({ q })), indexer.context)).items.map((item) => item.id);

  beforeAll(async () => {
    services = await startTestServices();
    store = await openStore(services.config.storage);
  });
  afterAll(async () => {
    for (const indexer of indexers) await indexer.stop();
    for (const database of databases) await database.drop();
    await store?.close();
    await services?.stop();
  });

  it('marks signed documents the database cannot store invalid, and indexes and finds the honest dataset published after them', async () => {
    const attacker = devAccount(ATTACKER).address;
    const terms = licenceTerms({ currency: services.chain.deployments.stablecoin.address });
    const craft = (overrides: Record<string, unknown>) => (datasetId: bigint) => ({ ...sampleDocument(attacker), datasetId: datasetId.toString(), ...overrides });
    const conditions = sampleDocument(attacker).key.evmContractConditions;
    const hostile = [
      // The report: CSV preview rows with a NUL byte.
      await anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ title: 'Malformed', preview: { format: 'csv', content: 'a,b\n\u0000\u0001,2\n' } })),
      await anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ title: 'Half a \uD83D surrogate' })),
      await anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ key: { ...sampleDocument(attacker).key, evmContractConditions: [{ ...(conditions[0] as object), 'nul\u0000key': ['\u0000'] }] } })),
    ];
    const honest = await publishHonest('Honest tide tables');

    const indexer = await openIndexer();
    await indexer.catchUp();

    for (const { datasetId } of hostile) expect(await statusOf(indexer, datasetId)).toEqual({ metadata_status: 'invalid', title: null });
    expect(await statusOf(indexer, honest)).toEqual({ metadata_status: 'ok', title: 'Honest tide tables' });
    expect(await search(indexer, 'tide')).toEqual([honest.toString()]);
    expect(await indexer.status()).toMatchObject({ lag: 0, pendingMetadata: 0 });
    expect((await indexer.status()).lastError).toBeUndefined();
    const errors = await indexer.database.rows<{ error: string }>(sql`select error from documents where document is null order by cid`);
    expect(errors).toHaveLength(hostile.length);
    for (const { error } of errors) expect(error).toMatch(/^invalid: metadata \S+ is malformed: /);
  });

  it('stores hostile strings of chain events (terms URI, provider endpoint and GPU model) sanitised, and goes on indexing', async () => {
    const { deployments } = services.chain;
    const endpoint = 'https://node.example/\u0000\u202Eexe.gpj';
    const gpu = { ...gpuEnvironment(2_000_000n), gpuModel: 'H100\u0000\u0007' };
    const providerId = await registerProvider(services.chain, ATTACKER, privateKeyToAccount(generatePrivateKey()), [cpuEnvironment(1_000n), gpu], endpoint);
    await anchorCraftedDocument(services.chain, store, ATTACKER, licenceTerms({ currency: deployments.stablecoin.address, uri: 'ipfs://terms\u0000' }), (datasetId) => ({ ...sampleDocument(devAccount(ATTACKER).address), datasetId: datasetId.toString() }));
    const honest = await publishHonest('Honest harbour depths');

    const indexer = await openIndexer();
    await indexer.catchUp();

    const [provider] = await indexer.database.rows<{ endpoint: string; environments: { gpuModel: string }[] }>(sql`select endpoint, environments from providers where id = ${Number(providerId)}`);
    expect(provider).toEqual({ endpoint: 'https://node.example/\uFFFD\u202Eexe.gpj', environments: [expect.objectContaining({ gpuModel: '' }), expect.objectContaining({ gpuModel: 'H100\uFFFD\u0007', kind: 'gpu' })] });
    expect(await indexer.database.rows(sql`select uri from terms where uri like 'ipfs://terms%'`)).toEqual([{ uri: 'ipfs://terms\uFFFD' }]);
    expect(await statusOf(indexer, honest)).toEqual({ metadata_status: 'ok', title: 'Honest harbour depths' });
    expect(await search(indexer, 'harbour')).toEqual([honest.toString()]);
    expect(await indexer.status()).toMatchObject({ lag: 0, pendingMetadata: 0 });
  });

  it('marks a valid document invalid when the database refuses its row (a limit no schema foresaw), and indexes the next one', async () => {
    const indexer = await openIndexer();
    await indexer.catchUp();
    // Not valid: rows indexed before (the earlier tests' long titles) stay; only new rows are checked.
    await indexer.database.db.execute(sql`alter table datasets add constraint short_titles check (length(title) <= 24) not valid`);
    const long = await publishHonest('A title the database finds too long');
    const short = await publishHonest('Short tide notes');

    await indexer.catchUp();

    expect(await statusOf(indexer, long)).toEqual({ metadata_status: 'invalid', title: null });
    expect(await statusOf(indexer, short)).toEqual({ metadata_status: 'ok', title: 'Short tide notes' });
    const [document] = await indexer.database.rows<{ document: unknown; error: string }>(sql`select d.document, d.error from documents d join datasets s on s.metadata_cid = d.cid where s.id = ${Number(long)}`);
    expect(document).toEqual({ document: null, error: expect.stringMatching(/^invalid: the database refused it: .*short_titles.* \(SQLSTATE 23514\)/) });
    expect(await indexer.status()).toMatchObject({ lag: 0, pendingMetadata: 0 });
  });

  it('logs a batch the database refuses once, with its block range and the database’s error, and again when it recovers', async () => {
    const lines: string[] = [];
    const indexer = await openIndexer((line) => lines.push(line));
    await indexer.catchUp();
    // Every refused batch draws a number first (sequences ignore the rollback), so the test sees the retries.
    await indexer.database.db.execute(sql`create sequence refusals`);
    await indexer.database.db.execute(
      sql.raw(`create function refuse_cursor() returns trigger language plpgsql as $$ begin perform nextval('refusals'); raise exception 'the cursor is read-only in this test'; end $$`),
    );
    await indexer.database.db.execute(sql`create trigger refuse_cursor before update on indexer_cursor for each row execute function refuse_cursor()`);
    const refusals = async () => (await indexer.database.rows<{ n: number }>(sql`select last_value::int as n from refusals`))[0]!.n;
    const from = (await indexer.status()).lastBlock + 1;
    await services.chain.testClient.mine({ blocks: 1 });
    indexer.start(20);
    while ((await refusals()) < 4) await new Promise((resolve) => setTimeout(resolve, 20));

    const failures = lines.filter((line) => line.startsWith('sync failed'));
    expect(failures).toEqual([expect.stringContaining(`blocks ${from}–${from}`)]);
    expect(failures[0]).toContain('the cursor is read-only in this test');
    expect(failures[0]).not.toMatch(/params|Failed query/);
    expect((await indexer.status()).lastError).toBe(failures[0]!.replace(/^sync failed \(retrying[^)]*\): /, ''));

    await indexer.database.db.execute(sql`drop trigger refuse_cursor on indexer_cursor`);
    while ((await indexer.status()).lastBlock < from) await new Promise((resolve) => setTimeout(resolve, 20));
    while (!lines.some((line) => line.startsWith('sync recovered'))) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await indexer.status()).lastError).toBeUndefined();
  });
});
