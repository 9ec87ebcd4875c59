/**
 * Hostile documents, chain events and searches through the real indexer and its read API (issue 16), on PGlite
 * and on Postgres when DATABASE_URL is set. Each document run anchors one to three generated hostile documents
 * (signed as is by an attacker, under terms with a hostile URI), registers a provider with a hostile endpoint and
 * GPU model, then publishes an honest dataset. The property: every hostile dataset ends ok (exactly when the
 * schema accepts its document, which then reads back intact) or invalid with a printable reason; the indexer
 * catches up; chain strings are stored as sent but for NUL and lone surrogates; the honest dataset is indexed and
 * found. Generated searches, called directly and sent as raw URLs to the HTTP API, end in a QueryError naming the
 * parameter or a page of results, and the honest search still answers after them.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { devAccount } from '@/lib/chain';
import type { IndexerClient } from '@/lib/indexer/client';
import { QueryError } from '@/lib/indexer/errors';
import type { Indexer } from '@/lib/indexer/indexer';
import { storableText } from '@/lib/indexer/sanitise';
import type { SearchResult } from '@/lib/indexer/api';
import { parseSearchParams, SEARCH_PARAMETERS, SEARCH_SORTS, searchDatasets } from '@/lib/indexer/search';
import type { IndexerServer } from '@/lib/indexer/server';
import { licenceTerms } from '@/lib/licence';
import { datasetDocumentSchema, printable, SIGNED_DATASET_FORMAT } from '@/lib/metadata';
import { encodeDagJson, withoutUndefined } from '@/lib/metadata/dag-json';
import { InvalidBlockError, openStore, type ContentStore } from '@/lib/storage';
import { registerProvider } from '../contracts/fixture';
import { gpuEnvironment } from '../helpers/compute';
import { DATABASE_KINDS } from '../helpers/database';
import { serveIndexer, type ServedIndexer } from '../helpers/indexer';
import { anchorBlock, anchorCraftedDocument, anchorDocument, bidiControl, emoji, hasLoneSurrogate, hostileDocument, hostileText, injection, isPrintable, nastyString, nestedArrays } from '../helpers/hostile';
import { startTestServices, type TestServices } from '../helpers/services';
import { sampleDocument } from '../metadata/fixtures';
import { FUZZ, nestedJson } from './fuzz';

jest.setTimeout(300_000);

const OWNER = 4;
const ATTACKER = 7;
const OPERATOR = 9;
const attacker = devAccount(ATTACKER).address;

/** Values a search parameter may get: plausible ones, numbers of any length, hostile text, and both together. */
const plausible = fc.constantFrom('true', 'false', 'all', 'asc', 'desc', ...SEARCH_SORTS, 'csv', 'CSV', '', ' ', '1', '100', '0.5', attacker, attacker.toLowerCase(), 'zebra0');
const searchValue = fc.oneof(
  { weight: 3, arbitrary: plausible },
  { weight: 2, arbitrary: fc.stringMatching(/^\d{1,90}(\.\d{1,90})?$/) },
  { weight: 3, arbitrary: hostileText },
  // Markup, SQL, tsquery operators, emoji and bidi controls: what passes the character check to the database.
  { weight: 3, arbitrary: fc.array(fc.oneof(injection, emoji, bidiControl, fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(' ')) },
  { weight: 2, arbitrary: fc.tuple(plausible, nastyString({ maxPieces: 2 })).map(([value, suffix]) => value + suffix) },
);
/** Mostly the parameters search takes, sometimes any name. */
const searchName = fc.oneof({ weight: 2, arbitrary: fc.constant('q') }, { weight: 6, arbitrary: fc.constantFrom(...SEARCH_PARAMETERS) }, { weight: 1, arbitrary: nastyString({ maxPieces: 2 }) });
const searchParams = fc.array(fc.tuple(searchName, searchValue), { maxLength: 5 });

/** A URL's query as an attacker writes it: any bytes percent-encoded, stray `%`, `&`, `=`, `#` and raw hostile text. */
const percentEncoded = fc.uint8Array({ maxLength: 24 }).map((bytes) => Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
const rawPart = fc.oneof(searchValue, percentEncoded, fc.constantFrom('%', '%zz', '%E0%A4', '%00', '&', '=', '+', '#', '?'));
const rawQuery = fc.array(fc.tuple(fc.oneof(searchName, rawPart), rawPart), { maxLength: 5 }).map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('&'));
/** Node answers 431 itself to a request line over its 16 KiB header limit. */
const MAX_REQUEST_LINE = 16 * 1024;

/** A page of results as the read API describes it. */
function expectPage(result: SearchResult): void {
  expect(result.items.length).toBeLessThanOrEqual(Math.min(result.pageSize, result.total));
  for (const item of result.items) expect(item.id).toMatch(/^\d+$/);
}

let services: TestServices;
let store: ContentStore;
/** Honest datasets published so far, on the chain both databases index: each gets a title word of its own. */
let honestCount = 0;
beforeAll(async () => {
  services = await startTestServices();
  store = await openStore(services.config.storage);
});
afterAll(async () => {
  await store?.close();
  await services?.stop();
});

describe.each(DATABASE_KINDS)('the indexer on %s under hostile documents, events and searches', (kind) => {
  let served: ServedIndexer;
  let indexer: Indexer;
  let server: IndexerServer;
  let client: IndexerClient;

  beforeAll(async () => {
    served = await serveIndexer(services.config, kind);
    ({ indexer, server, client } = served);
  });
  afterAll(() => served?.stop());

  const currency = () => services.chain.deployments.stablecoin.address;
  /** Syncs to the head and reads every pending document (catchUp reads 16 a poll); a document stuck pending fails the test after. */
  async function syncAll(): Promise<void> {
    await indexer.catchUp();
    for (let poll = 0; poll < 10 && (await indexer.status()).pendingMetadata > 0; poll++) await indexer.syncOnce();
  }

  const statusOf = async (id: bigint) => (await indexer.database.rows<{ status: string; title: string | null }>(sql`select metadata_status as status, title from datasets where id = ${Number(id)}`))[0];
  const documentOf = async (cid: string) => (await indexer.database.rows<{ document: unknown; error: string | null }>(sql`select document->'document' as document, error from documents where cid = ${cid}`))[0];

  /** Publishes an honest dataset with a title word no other dataset has; checks it is indexed and found by it, directly and over HTTP. */
  async function expectHonestIndexed(catchUp: () => Promise<void>): Promise<void> {
    // With digits, so the English stemmer keeps the word whole (zebras would be found as zebra).
    const word = `zebra${honestCount++}`;
    const title = `Honest ${word} survey`;
    const { datasetId } = await anchorDocument(services.chain, store, OWNER, licenceTerms({ currency: currency() }), (id) => sampleDocument(devAccount(OWNER).address, { datasetId: id.toString(), title }));
    await catchUp();
    expect(await statusOf(datasetId)).toEqual({ status: 'ok', title });
    const found = await searchDatasets(indexer.database, parseSearchParams(new URLSearchParams({ q: word })), indexer.context);
    expect(found.items.map((item) => item.id)).toEqual([datasetId.toString()]);
    expect((await client.search<SearchResult>({ q: word })).items.map((item) => item.id)).toEqual([datasetId.toString()]);
    expect(await indexer.status()).toMatchObject({ lag: 0, pendingMetadata: 0 });
  }

  it('ends every hostile dataset ok or invalid, stores chain strings sanitised, and still indexes the next honest dataset', async () => {
    const run = fc.record({ documents: fc.array(hostileDocument(sampleDocument(attacker)), { minLength: 1, maxLength: 3 }), termsUri: nastyString(), endpoint: nastyString(), gpuModel: nastyString() });
    await fc.assert(
      fc.asyncProperty(run, async ({ documents, termsUri, endpoint, gpuModel }) => {
        const terms = licenceTerms({ currency: currency(), uri: `ipfs://${termsUri}` });
        const hostile = [];
        for (const { document } of documents) {
          const anchored = await anchorCraftedDocument(services.chain, store, ATTACKER, terms, (id) => ({ ...document, datasetId: id.toString() }));
          const signed: Record<string, unknown> = { ...document, datasetId: anchored.datasetId.toString() };
          hostile.push({ ...anchored, signed, accepted: datasetDocumentSchema.safeParse(signed).success });
        }
        const providerId = await registerProvider(services.chain, OPERATOR, privateKeyToAccount(generatePrivateKey()), [{ ...gpuEnvironment(1_000n), gpuModel }], `https://${endpoint}`);

        await expectHonestIndexed(syncAll);

        for (const { datasetId, cid, signed, accepted } of hostile) {
          if (accepted) {
            expect(await statusOf(datasetId)).toEqual({ status: 'ok', title: signed.title });
            expect(await documentOf(cid)).toEqual({ document: withoutUndefined(signed), error: null });
          } else {
            expect(await statusOf(datasetId)).toEqual({ status: 'invalid', title: null });
            const { error } = (await documentOf(cid))!;
            expect(error).toMatch(/^invalid: /);
            expect(isPrintable(error!)).toBe(true);
          }
        }
        const [provider] = await indexer.database.rows<{ endpoint: string; environments: { gpuModel: string }[] }>(sql`select endpoint, environments from providers where id = ${Number(providerId)}`);
        expect(provider).toEqual({ endpoint: storableText(`https://${endpoint}`), environments: [expect.objectContaining({ gpuModel: storableText(gpuModel) })] });
        const { uri } = (await indexer.database.rows<{ uri: string }>(sql`select t.uri from terms t join datasets d on d.terms_id = t.id where d.id = ${Number(hostile[0]!.datasetId)}`))[0]!;
        expect(uri).toBe(storableText(`ipfs://${termsUri}`));
        for (const stored of [provider!.endpoint, provider!.environments[0]!.gpuModel, uri]) expect(stored.includes('\u0000') || hasLoneSurrogate(stored)).toBe(false);
      }),
      // Each run mines a dozen transactions: no shrinking, the seed and the failing input are printed.
      { ...FUZZ, numRuns: 15, endOnFailure: true },
    );
  });

  it('marks a block-sized title, conditions nested 1,500 deep and blocks that are no document invalid; the store refuses a 10 MB title', async () => {
    const terms = licenceTerms({ currency: currency() });
    const craft = (overrides: Record<string, unknown>) => (id: bigint) => ({ ...sampleDocument(attacker), datasetId: id.toString(), ...overrides });
    const hostile = [
      // 800 kB of emoji: as much as the 1 MiB block limit lets anyone anchor.
      await anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ title: '😀'.repeat(200_000) })),
      await anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ key: { ...sampleDocument(attacker).key, evmContractConditions: [nestedArrays(1_500)] } })),
      await anchorBlock(services.chain, store, ATTACKER, terms, () => encodeDagJson({ format: SIGNED_DATASET_FORMAT, document: { title: '\u0000' }, signature: '<script>' })),
      await anchorBlock(services.chain, store, ATTACKER, terms, async () => new TextEncoder().encode(nestedJson(1_000))),
    ];
    await expect(anchorCraftedDocument(services.chain, store, ATTACKER, terms, craft({ title: 'x'.repeat(10 * 2 ** 20) }))).rejects.toBeInstanceOf(InvalidBlockError);

    await expectHonestIndexed(syncAll);

    for (const { datasetId, cid } of hostile) {
      expect(await statusOf(datasetId)).toEqual({ status: 'invalid', title: null });
      expect(isPrintable((await documentOf(cid))!.error!)).toBe(true);
    }
  });

  it('answers generated hostile searches with a QueryError naming the parameter or a page, and honest searches after them', async () => {
    const datasets = sql`select count(*)::int as count from datasets`;
    const before = await indexer.database.rows(datasets);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(searchParams, async (pairs) => {
        const params = new URLSearchParams(pairs);
        let result: SearchResult;
        try {
          result = await searchDatasets(indexer.database, parseSearchParams(params), indexer.context);
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError);
          const { parameter, message } = error as QueryError;
          expect(isPrintable(message)).toBe(true);
          // Defaults are always valid: a refusal names a parameter the query gave, as it can be printed.
          expect(Array.from(params.keys(), (name) => printable(name, 100))).toContain(parameter);
          return;
        }
        answered++;
        expectPage(result);
      }),
      { ...FUZZ, numRuns: 300 },
    );
    // Enough queries got through the checks to have reached the database.
    expect(answered).toBeGreaterThan(30);
    expect(await indexer.database.rows(datasets)).toEqual(before);
    await expectHonestIndexed(syncAll);
  });

  it('answers generated hostile search URLs with 400 and a printable QueryError, or a page, and honest searches after them', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(rawQuery, async (query) => {
        const url = `${server.url}/api/v1/datasets?${query}`;
        let response: Response;
        try {
          response = await fetch(url);
        } catch {
          // Node may close the connection on an oversized request before the client has sent it all.
          expect(url.length).toBeGreaterThan(MAX_REQUEST_LINE);
          return;
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 431) return expect(new URL(url).href.length).toBeGreaterThan(MAX_REQUEST_LINE);
        const body = (await response.json()) as SearchResult & { error: string; parameter: string; message: string };
        if (response.status === 200) return expectPage(body);
        expect(response.status).toBe(400);
        expect(body).toEqual({ error: 'bad-query', parameter: expect.any(String), message: expect.any(String), hint: expect.any(String) });
        expect(isPrintable(body.parameter) && isPrintable(body.message)).toBe(true);
      }),
      { ...FUZZ, numRuns: 200 },
    );
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect(statuses.get(400)).toBeGreaterThan(10);
    await expectHonestIndexed(syncAll);
  });

  it('answers generated hostile account and owner paths with 400 and a printable QueryError, or the account, and honest searches after them', async () => {
    const ROUTE = /^\/api\/v1\/(accounts\/[^/]+\/purchases|owners\/[^/]+)$/;
    const account = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(attacker, attacker.toLowerCase(), attacker.toUpperCase(), `0x${'0'.repeat(40)}`, `${attacker}00`, attacker.slice(0, -1)) },
      // Lone surrogates have no UTF-8 to percent-encode (raw bytes come from percentEncoded).
      { weight: 2, arbitrary: hostileText.map((text) => encodeURIComponent(storableText(text))) },
      { weight: 2, arbitrary: fc.oneof(percentEncoded, fc.constantFrom('%', '%zz', '%E0%A4', '%00', '%2e%2e', '.', '+')) },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(account, fc.boolean(), async (segment, owners) => {
        const url = `${server.url}/api/v1/${owners ? `owners/${segment}` : `accounts/${segment}/purchases`}`;
        let response: Response;
        try {
          response = await fetch(url);
        } catch {
          expect(url.length).toBeGreaterThan(MAX_REQUEST_LINE);
          return;
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 431) return expect(new URL(url).href.length).toBeGreaterThan(MAX_REQUEST_LINE);
        const body = (await response.json()) as { error?: string; message?: string; account?: string; owner?: string };
        // A path the URL parser turned into another (dot segments) is no route: 404, as any unknown path.
        if (!ROUTE.test(new URL(url).pathname)) return expect(response.status).toBe(404);
        if (response.status === 200) return expect(body[owners ? 'owner' : 'account']).toBe(getAddress(segment.toLowerCase()));
        expect(response.status).toBe(400);
        expect(body).toMatchObject({ error: 'bad-query', message: expect.any(String) });
        expect(isPrintable(body.message!)).toBe(true);
      }),
      { ...FUZZ, numRuns: 100 },
    );
    expect(statuses.get(200)).toBeGreaterThan(5);
    expect(statuses.get(400)).toBeGreaterThan(30);
    await expectHonestIndexed(syncAll);
  });

  it('keeps a running indexer following the chain while hostile documents arrive', async () => {
    indexer.start(50);
    const { datasetId } = await anchorCraftedDocument(services.chain, store, ATTACKER, licenceTerms({ currency: currency() }), (id) => ({ ...sampleDocument(attacker), datasetId: id.toString(), preview: { format: 'csv', content: 'a\n\u0000\n' } }));
    await expectHonestIndexed(async () => {
      const head = Number(await services.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
      // A poisoned indexer never gets there: the checks after a minute say where it stopped.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && ((await indexer.status()).lastBlock < head || (await indexer.status()).pendingMetadata > 0)) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(await statusOf(datasetId)).toEqual({ status: 'invalid', title: null });
    expect((await indexer.status()).lastError).toBeUndefined();
  });
});
