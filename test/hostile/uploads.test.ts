/**
 * Issue 16: hostile input at the web app's upload service, generated. An attacker with a funded account of its
 * own sends every route (sign-in, open, parts, finish, abandon) bodies, part numbers, ids, headers and sign-in
 * messages of every wrong kind, through the route handlers themselves against a real chain (anvil, the market
 * deployed) and the embedded IPFS node, as test/security/uploads.test.ts drives them. Each answer is the one a
 * model of the attacker's uploads predicts — a clear 4xx with a JSON error, code and hint when refused, never a
 * 5xx — and in every run another account's honest upload, interleaved with the attack, completes with the CID
 * Kubo gives its bytes.
 */
import fc from 'fast-check';
import type { LocalAccount } from 'viem';
import { DELETE as abandonRoute, POST as finishRoute, PUT as partRoute } from '@/app/api/uploads/[id]/route';
import { POST as openRoute } from '@/app/api/uploads/route';
import { GET as messageRoute, POST as signInRoute } from '@/app/api/uploads/sign-in/route';
import { devAccount } from '@/lib/chain';
import { contentStore } from '@/lib/web/services';
import { collect, KUBO_VECTORS, patternBytes } from '../storage/fixtures';
import { startUploadRoutes, type UploadRoutes } from '../helpers/uploads';
import { FUZZ, messageEdit as anyMessageEdit, named, replacingLine, shown, type MessageEdit } from './fuzz';

const SESSIONS = 2;
/** 1 MiB per account, as DATAGORA_UPLOAD_GIB says it. */
const ACCOUNT_BYTES = 1024 ** 2;
const SIWE_DOMAIN = 'uploads.test:3000';
const API = 'http://uploads.test:3000/api/uploads';
const ATTACKER = devAccount(3);
const HONEST = devAccount(6);

let routes: UploadRoutes;
let attackerToken: string;
let honestToken: string;

beforeAll(async () => {
  // Longer than the whole file runs: no session is dropped for idling here (test/security/uploads.test.ts checks that).
  routes = await startUploadRoutes('hostile-uploads', { siweDomain: SIWE_DOMAIN, sessions: SESSIONS, accountBytes: ACCOUNT_BYTES, idleSeconds: 600 });
  attackerToken = await tokenOf(ATTACKER);
  honestToken = await tokenOf(HONEST);
}, 60_000);

afterAll(() => routes?.stop());

// ------------------------------------------------------------------------------------------------- routes

interface Answer {
  status: number;
  body: { id?: string; token?: string; address?: string; message?: string; cid?: string; size?: number; received?: number; error?: string; code?: string; hint?: string };
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: response.status === 204 ? {} : ((await response.json()) as Answer['body']) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const context = (id: string) => ({ params: Promise.resolve({ id }) });

const askMessage = async (query: string) => answer(await messageRoute(new Request(`${API}/sign-in?${query}`)));
const postSignIn = async (body: string) => answer(await signInRoute(new Request(`${API}/sign-in`, { method: 'POST', body })));
const open = async (body: string, headers: Record<string, string>) => answer(await openRoute(new Request(API, { method: 'POST', headers, body })));
const part = async (id: string, query: string, body: BodyInit | null, headers: Record<string, string>) =>
  answer(await partRoute(new Request(`${API}/${encodeURIComponent(id)}${query}`, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit), context(id)));
const finish = async (id: string, headers: Record<string, string>) => answer(await finishRoute(new Request(`${API}/${encodeURIComponent(id)}`, { method: 'POST', headers }), context(id)));
const abandon = async (id: string, headers: Record<string, string>) => answer(await abandonRoute(new Request(`${API}/${encodeURIComponent(id)}`, { method: 'DELETE', headers }), context(id)));

async function tokenOf(account: LocalAccount): Promise<string> {
  const { body } = await askMessage(`address=${account.address}`);
  const signedIn = await postSignIn(JSON.stringify({ message: body.message, signature: await account.signMessage({ message: body.message! }) }));
  expect(signedIn.status).toBe(200);
  return signedIn.body.token!;
}

/** A refusal as the routes promise it: the status, a JSON error with its code, a sentence and a hint. */
function expectRefusal(got: Answer, status: number, code?: string): void {
  expect(got).toMatchObject({ status, body: { error: expect.any(String), code: code ?? expect.stringMatching(/^[a-z][a-z-]*$/), message: expect.any(String), hint: expect.any(String) } });
  // A sentence, not an echo of whatever the request carried.
  expect(got.body.message!.length).toBeLessThan(1_000);
}

// ---------------------------------------------------------------------------------------------- the model

/** One of the attacker's open uploads, as the routes should see it. */
interface OpenUpload {
  id: string;
  size: number;
  received: number;
  nextPart: number;
}

/** The attacker's uploads in one run, and the honest upload running beside them. */
interface Run {
  uploads: OpenUpload[];
  honestId: string;
  /** Every upload the attacker opened, to abandon at the end of the run whatever the model says. */
  opened: string[];
}

/** One hostile step: what it sends, and what it checks the answer against. */
interface Attack {
  (run: Run): Promise<void>;
}

/** Which upload a step names: one of the attacker's (by index, if any are open), the honest one, or a made-up id. */
type Target = { kind: 'own'; index: number } | { kind: 'honest' } | { kind: 'made-up'; id: string };
const madeUpId = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
  fc.constantFrom('..', '../../etc/passwd', '%00', '\u0000', ' ', 'null', 'undefined', '__proto__', 'constructor'),
  fc.integer({ min: 1_000, max: 8_000 }).map((n) => 'x'.repeat(n)),
);
const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 3 }).map((index) => ({ kind: 'own' as const, index })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'honest' as const }) },
  { weight: 2, arbitrary: madeUpId.map((id) => ({ kind: 'made-up' as const, id })) },
);

/** The id `target` names in `run`, and the attacker's upload it is (if it is one). */
function resolve(run: Run, at: Target): { id: string; upload?: OpenUpload } {
  if (at.kind === 'honest') return { id: run.honestId };
  if (at.kind === 'made-up') return { id: at.id };
  const upload = run.uploads[at.index % Math.max(run.uploads.length, 1)];
  return upload ? { id: upload.id, upload } : { id: 'no-upload-open' };
}
const describeTarget = (at: Target) => (at.kind === 'own' ? `own upload #${at.index}` : at.kind === 'honest' ? 'the honest upload' : `id ${shown(at.id)}`);

const dropUpload = (run: Run, upload: OpenUpload) => run.uploads.splice(run.uploads.indexOf(upload), 1);

/** What a refused id answers: another account's upload is not the attacker's, an unknown one does not exist. */
function expectForeignId(got: Answer, run: Run, id: string): void {
  if (id === run.honestId) expectRefusal(got, 403, 'not-your-upload');
  else expectRefusal(got, 404, 'unknown-upload');
}

// ---------------------------------------------------------------------------------------------- arbitraries

/** `{size}` values of every wrong type and range, and sizes an upload may have. */
const sizeValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(-1, 0, -0, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e20, '12', ' 12 ', '0x10', '1e3', true, false, null, [5], { size: 5 }, 'Infinity', '') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: ACCOUNT_BYTES + 10 }) },
);
/** Bodies for POST /api/uploads: `{size}` of any value, not JSON, nested deep, or huge. */
const openBody = fc.oneof(
  { weight: 6, arbitrary: sizeValue.map((size) => ({ text: JSON.stringify({ size }) ?? '', size })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ text, size: undefined })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => ({ text: `${'['.repeat(depth)}${']'.repeat(depth)}`, size: undefined })) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 20_000 }).map((depth) => ({ text: `${'{"size":'.repeat(depth)}1${'}'.repeat(depth)}`, size: undefined })) },
);
const acceptedSize = (size: unknown): size is number => typeof size === 'number' && Number.isSafeInteger(size) && size > 0;
/** Raw JSON texts above the routes' bound on a JSON body. */
const MAX_JSON_BODY = 16 * 1024;

const openAttack = openBody.map(({ text, size }) =>
  named(`open ${shown(text)}`, async (run: Run) => {
    const got = await open(text, bearer(attackerToken));
    if (got.body.id) run.opened.push(got.body.id);
    if (Buffer.byteLength(text) > MAX_JSON_BODY) return expectRefusal(got, 413, 'body-too-large');
    if (!acceptedSize(size)) return expectRefusal(got, 400, 'bad-size');
    if (size > ACCOUNT_BYTES) return expectRefusal(got, 413, 'too-large');
    if (run.uploads.length >= SESSIONS) return expectRefusal(got, 429, 'too-many-uploads');
    if (run.uploads.reduce((sum, upload) => sum + upload.size, 0) + size > ACCOUNT_BYTES) return expectRefusal(got, 429, 'too-many-bytes');
    expect(got).toMatchObject({ status: 201, body: { id: expect.any(String) } });
    run.uploads.push({ id: got.body.id!, size, received: 0, nextPart: 0 });
  }),
);

/** `?part=` as a client might botch it; undefined leaves it out. */
const partQuery = fc.oneof(
  { weight: 2, arbitrary: fc.nat({ max: 4 }).map(String) },
  fc.constantFrom<string | undefined>(undefined, '', '-1', '1.5', '1e0', '0x0', ' 0', '0 ', '+0', '00', 'NaN', 'Infinity', '9007199254740993', '٠'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const canonicalPart = (query: string | undefined) => query !== undefined && /^(0|[1-9][0-9]*)$/.test(query) && Number.isSafeInteger(Number(query));

/** A part's body: bytes, none, or a stream that breaks off after some bytes (the connection dropped). */
type PartBody = { kind: 'bytes'; length: number } | { kind: 'none' } | { kind: 'broken'; after: number };
const partBody: fc.Arbitrary<PartBody> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_500 }).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300_000 }).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1_000 }).map((after) => ({ kind: 'broken' as const, after })) },
);
/** Content-Length as a client might lie about it; the routes count the bytes that arrive. */
const contentLength = fc.option(fc.constantFrom('-1', '0', '1', '99999999999999999999', 'abc', '1.5'), { nil: undefined });

function bodyOf(body: PartBody): BodyInit | null {
  if (body.kind === 'none') return null;
  if (body.kind === 'bytes') return patternBytes(body.length);
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent && body.after > 0) controller.enqueue(patternBytes(body.after));
      else controller.error(new Error('the client’s connection reset'));
      sent = true;
    },
  });
}
const describeBody = (body: PartBody) => (body.kind === 'bytes' ? `${body.length} bytes` : body.kind === 'none' ? 'no body' : `a body broken off after ${body.after} bytes`);

const partAttack = fc.tuple(target, partQuery, fc.boolean(), partBody, contentLength).map(([at, query, nextInOrder, body, length]) =>
  named(`PUT ${describeTarget(at)} ?part=${nextInOrder ? 'next' : shown(query)} ${describeBody(body)}${length ? ` content-length ${length}` : ''}`, async (run: Run) => {
    const { id, upload } = resolve(run, at);
    const index = nextInOrder && upload ? String(upload.nextPart) : query;
    const headers = { ...bearer(attackerToken), ...(length ? { 'content-length': length } : {}) };
    const got = await part(id, index === undefined ? '' : `?part=${encodeURIComponent(index)}`, bodyOf(body), headers);
    if (!canonicalPart(index)) return expectRefusal(got, 400, 'bad-part');
    if (body.kind === 'none') return expectRefusal(got, 400, 'empty-part');
    if (!upload) return expectForeignId(got, run, id);
    if (Number(index) !== upload.nextPart) return expectRefusal(got, 409, 'out-of-order');
    const bytes = body.kind === 'bytes' ? body.length : body.after;
    if (upload.received + bytes > upload.size) {
      dropUpload(run, upload);
      return expectRefusal(got, 413, 'over-declared-size');
    }
    if (body.kind === 'broken') {
      dropUpload(run, upload);
      return expectRefusal(got, 400, 'part-interrupted');
    }
    upload.received += bytes;
    upload.nextPart++;
    expect(got).toEqual({ status: 200, body: { received: upload.received } });
  }),
);

/** Two parts of the same number at once: one is taken, the other refused, and the upload goes on. */
const overlappingAttack = fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 100_000 })).map(([index, first, second]) =>
  named(`two parts at once into own upload #${index}: ${first} and ${second} bytes`, async (run: Run) => {
    const upload = run.uploads[index % Math.max(run.uploads.length, 1)];
    if (!upload || upload.received + Math.max(first, second) > upload.size) return;
    const query = `?part=${upload.nextPart}`;
    const answers = await Promise.all([first, second].map((length) => part(upload.id, query, patternBytes(length), bearer(attackerToken))));
    const taken = answers.filter((got) => got.status === 200);
    expect(taken).toHaveLength(1);
    expectRefusal(answers.find((got) => got.status !== 200)!, 409, 'out-of-order');
    upload.received = taken[0]!.body.received!;
    upload.nextPart++;
  }),
);

const finishAttack = target.map((at) =>
  named(`finish ${describeTarget(at)}`, async (run: Run) => {
    const { id, upload } = resolve(run, at);
    const got = await finish(id, bearer(attackerToken));
    if (!upload) return expectForeignId(got, run, id);
    if (upload.received !== upload.size) return expectRefusal(got, 409, 'incomplete');
    dropUpload(run, upload);
    expect(got).toMatchObject({ status: 200, body: { cid: expect.any(String), size: upload.size } });
  }),
);

const abandonAttack = target.map((at) =>
  named(`abandon ${describeTarget(at)}`, async (run: Run) => {
    const { id, upload } = resolve(run, at);
    const got = await abandon(id, bearer(attackerToken));
    if (id === run.honestId) return expectRefusal(got, 403, 'not-your-upload');
    // Abandoning an upload already gone is no error.
    expect(got.status).toBe(204);
    if (upload) dropUpload(run, upload);
  }),
);

/** Authorization headers that are not a token of this server's, up to 64 kB. */
const badAuthorization = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 200 }),
  fc.integer({ min: 1, max: 64 * 1024 }).map((n) => `Bearer ${'A'.repeat(n)}`),
  fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YTpi', `Bearer ${HONEST.address}.9999999999999.AAAA`, `Bearer ${HONEST.address}.1.${'A'.repeat(43)}`, `Bearer ${HONEST.address.toLowerCase()}..`),
  fc.nat({ max: 2 ** 31 }).map((n) => `Bearer ${HONEST.address}.${n}.${'A'.repeat(43)}`),
);
const unauthorizedAttack = fc.tuple(badAuthorization, fc.constantFrom('open', 'part', 'finish', 'abandon'), target).map(([authorization, route, at]) =>
  named(`${route} of ${describeTarget(at)} with Authorization ${shown(authorization)}`, async (run: Run) => {
    const { id } = resolve(run, at);
    const headers = { authorization };
    const got = route === 'open' ? await open('{"size":1}', headers) : route === 'part' ? await part(id, '?part=0', patternBytes(1), headers) : route === 'finish' ? await finish(id, headers) : await abandon(id, headers);
    expectRefusal(got, 401);
  }),
);

/** What the attacker does to the SIWE message this server wrote for it, before signing it: what it does to any (./fuzz.ts), and more. */
const messageEdit: fc.Arbitrary<MessageEdit> = fc.oneof(
  anyMessageEdit,
  fc.constant(named('the honest account’s address', (message: string) => message.replace(ATTACKER.address, HONEST.address))),
  fc.integer({ min: 1, max: 5_000 }).map((n) => named(`${n} characters more`, (message: string) => `${message}\n${'y'.repeat(n)}`)),
  fc.constant(named('as it is', (message: string) => message)),
);

const signInAttack = fc.tuple(messageEdit, fc.boolean()).map(([edit, signEdited]) =>
  named(`sign in with ${fc.stringify(edit)}${signEdited ? ', signed' : ', the original signed'}`, async () => {
    const { body } = await askMessage(`address=${ATTACKER.address}`);
    const message = edit(body.message!);
    const signature = await ATTACKER.signMessage({ message: signEdited ? message : body.message! });
    const got = await postSignIn(JSON.stringify({ message, signature }));
    // A sign-in stands only for the account that signed the message this server wrote for it.
    if (got.status === 200) expect(got.body.address).toBe(ATTACKER.address);
    else expect([400, 401, 402]).toContain(got.status);
    if (got.status !== 200) expectRefusal(got, got.status);
  }),
);

const signInBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })).map(([message, signature]) => JSON.stringify({ message, signature })),
  fc.integer({ min: 1, max: 100_000 }).map((depth) => `${'{"message":'.repeat(depth)}"x"${'}'.repeat(depth)}`),
  fc.integer({ min: 4_000, max: 200_000 }).map((n) => JSON.stringify({ message: 'm'.repeat(n), signature: '0x00' })),
);
const signInBodyAttack = signInBody.map((text) =>
  named(`POST sign-in ${shown(text)}`, async () => {
    const got = await postSignIn(text);
    if (Buffer.byteLength(text) > MAX_JSON_BODY) return expectRefusal(got, 413, 'body-too-large');
    expect([400, 401]).toContain(got.status);
    expectRefusal(got, got.status);
  }),
);

const messageQuery = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map((address) => `address=${encodeURIComponent(address)}`),
  fc.constantFrom('', 'address=', `address=${ATTACKER.address}%00`, `address=${ATTACKER.address}%0d%0aStatement:%20x`, `address=${ATTACKER.address.slice(0, 41)}`, `address=${ATTACKER.address}&address=${HONEST.address}`),
  fc.integer({ min: 100, max: 8_000 }).map((n) => `address=0x${'a'.repeat(n)}`),
);
const messageAttack = messageQuery.map((query) =>
  named(`GET sign-in?${shown(query)}`, async () => {
    const got = await askMessage(query);
    const address = new URLSearchParams(query).get('address') ?? '';
    if (/^0x[0-9a-fA-F]{40}$/.test(address)) expect(got).toMatchObject({ status: 200, body: { message: expect.stringContaining(SIWE_DOMAIN) } });
    else expectRefusal(got, 400, 'bad-address');
  }),
);

const attack: fc.Arbitrary<Attack> = fc.oneof(
  { weight: 5, arbitrary: openAttack },
  { weight: 6, arbitrary: partAttack },
  { weight: 1, arbitrary: overlappingAttack },
  { weight: 2, arbitrary: finishAttack },
  { weight: 1, arbitrary: abandonAttack },
  { weight: 2, arbitrary: unauthorizedAttack },
  { weight: 2, arbitrary: signInAttack },
  { weight: 2, arbitrary: signInBodyAttack },
  { weight: 1, arbitrary: messageAttack },
);

// ------------------------------------------------------------------------------------------------- tests

/** The sizes whose CID under Kubo's settings the storage tests hold: one chunk, and just over. */
const honestVector = fc.constantFrom(...KUBO_VECTORS.filter((vector) => vector.size > 0 && vector.size <= 300_000));

it('answers every hostile upload request as its model predicts, never with a 5xx, while an honest upload completes beside it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(attack, { minLength: 1, maxLength: 10 }), honestVector, fc.double({ min: 0, max: 1, noNaN: true }), async (attacks, vector, split) => {
      const bytes = patternBytes(vector.size);
      const cut = Math.floor(bytes.length * split);
      const opened = await open(JSON.stringify({ size: bytes.length }), bearer(honestToken));
      expect(opened.status).toBe(201);
      const run: Run = { uploads: [], honestId: opened.body.id!, opened: [] };
      try {
        expect(await part(run.honestId, '?part=0', bytes.subarray(0, cut), bearer(honestToken))).toEqual({ status: 200, body: { received: cut } });
        for (const step of attacks) await step(run);
        expect(await part(run.honestId, '?part=1', bytes.subarray(cut), bearer(honestToken))).toEqual({ status: 200, body: { received: bytes.length } });
        expect(await finish(run.honestId, bearer(honestToken))).toEqual({ status: 200, body: { cid: vector.cid, size: vector.size } });
      } finally {
        // Each run starts with no upload open, however the last one failed (the shrinking replays runs).
        for (const id of run.opened) await abandon(id, bearer(attackerToken));
        await abandon(run.honestId, bearer(honestToken));
      }
    }),
    { ...FUZZ, numRuns: 200 },
  );
  // The node still serves what was stored, byte for byte.
  const [vector] = KUBO_VECTORS.filter((v) => v.size === 262_145);
  expect(Buffer.compare(await collect((await contentStore()).cat(vector!.cid)), patternBytes(vector!.size))).toBe(0);
});

describe('regressions the property found', () => {
  it('a sign-in body is read up to 16 kB only: a 64 MB one is refused, not buffered whole', async () => {
    const chunk = new Uint8Array(1024 ** 2).fill(0x20);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * chunk.length) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const got = await answer(await signInRoute(new Request(`${API}/sign-in`, { method: 'POST', body, duplex: 'half' } as RequestInit)));
    expectRefusal(got, 413, 'body-too-large');
    expect(pulled).toBeLessThanOrEqual(2 * chunk.length);
  });

  it('a size that is no JSON number opens no upload ("12", true and [12] opened one of 12 or 1 bytes)', async () => {
    for (const size of ['12', true, [12]]) {
      const got = await open(JSON.stringify({ size }), bearer(attackerToken));
      if (got.body.id) await abandon(got.body.id, bearer(attackerToken));
      expectRefusal(got, 400, 'bad-size');
    }
  });

  it('a part without a number, with an empty one or one in exponent form is refused (a missing one was taken as part 0)', async () => {
    const { body } = await open(JSON.stringify({ size: 10 }), bearer(attackerToken));
    try {
      for (const query of ['', '?part=', '?part=0e0', '?part=-0']) expectRefusal(await part(body.id!, query, patternBytes(10), bearer(attackerToken)), 400, 'bad-part');
      expect(await part(body.id!, '?part=0', patternBytes(10), bearer(attackerToken))).toEqual({ status: 200, body: { received: 10 } });
    } finally {
      await abandon(body.id!, bearer(attackerToken));
    }
  });

  it('a part that breaks off is the client’s 400, not a 502 storage failure, and ends its upload', async () => {
    const { body } = await open(JSON.stringify({ size: 100 }), bearer(attackerToken));
    expectRefusal(await part(body.id!, '?part=0', bodyOf({ kind: 'broken', after: 10 }), bearer(attackerToken)), 400, 'part-interrupted');
    expectRefusal(await part(body.id!, '?part=0', patternBytes(100), bearer(attackerToken)), 404, 'unknown-upload');
  });

  it('a sign-in whose message holds a date that is no RFC 3339 date is foreign, not a 500', async () => {
    const { body } = await askMessage(`address=${ATTACKER.address}`);
    for (const edit of [replacingLine('Expiration Time', 'never'), replacingLine('Issued At', '+010000-01-01T00:00:00.000Z')]) {
      const message = edit(body.message!);
      expectRefusal(await postSignIn(JSON.stringify({ message, signature: await ATTACKER.signMessage({ message }) })), 401, 'sign-in-foreign');
    }
  });

  it('a made-up id or address of kilobytes is not echoed back whole', async () => {
    expectRefusal(await finish('x'.repeat(8_000), bearer(attackerToken)), 404, 'unknown-upload');
    expectRefusal(await askMessage(`address=0x${'a'.repeat(8_000)}`), 400, 'bad-address');
  });
});
