/**
 * Issue 16: hostile input at a provider node's HTTP API, generated. Job submissions with malformed JSON, fields
 * of the wrong type, huge algorithms, content that is not base64, hostile file names (path traversal, NUL, very
 * long), params with NUL, hostile keys or nested deep, job ids never paid or not ids at all, and sign-ins that are
 * forged, edited, expired, for another job, key or account, or replayed go to a real provider node (anvil, IPFS,
 * key nodes, the bubblewrap sandbox) for a job the buyer paid for on-chain. Each is refused with a 4xx and the
 * node's reason code — never a 500 or a dropped connection — the node stays up, and afterwards the buyer's
 * honest submission of that very job runs to the end.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parseSiweMessage } from 'viem/siwe';
import { algorithmHash, MAX_ALGORITHM_BYTES } from '@/lib/compute/algorithm';
import { jobAuthorization, jobResource, resultKeyResource } from '@/lib/compute/auth';
import { contractsOf } from '@/lib/contracts';
import { quoteJob, requestJobArgs } from '@/lib/compute/buyer/quote';
import { generateResultKeyPair, toBase64 } from '@/lib/compute/results';
import { nastyString } from '../helpers/hostile';
import { startComputeBed, type ComputeBed } from '../helpers/provider';
import { FUZZ, messageEdit, named, nestedJson, replacingLine, shown } from './fuzz';

/** The algorithm the buyer paid for: it echoes its parameters, which hold a NUL and a deep (allowed) nesting. */
const HONEST = Buffer.from('import json\nparams = json.load(open("/data/inputs/algoCustomData.json"))\njson.dump(params, open("/data/outputs/params.json", "w"))\n');
const HONEST_PARAMS = { note: 'a\u0000b\r\nc', nested: JSON.parse(`${'['.repeat(20)}1${']'.repeat(20)}`) as unknown };
/** What hostile submissions send instead: its hash is not the one paid for, so none of them is ever accepted. */
const OTHER = Buffer.from('print("not the paid algorithm")\n');
/** Someone who neither paid for the job nor owns the dataset. */
const STRANGER = 6;

let bed: ComputeBed;
let endpoint: string;
let chainId: number;
let jobId: bigint;
const resultKey = generateResultKeyPair().publicKey;

beforeAll(async () => {
  bed = await startComputeBed();
  endpoint = bed.provider!.url;
  const { publicClient, deployments } = bed.buyer;
  const contracts = contractsOf(deployments);
  chainId = deployments.chainId;
  // Paid on-chain, not submitted: every hostile submission below is for this job.
  const buyer = bed.services.chain.wallet(2);
  const choice = { datasetId: bed.datasetId, providerId: bed.provider!.providerId, environment: 0, maxMinutes: 2, aiTraining: false };
  await publicClient.waitForTransactionReceipt({ hash: await buyer.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, 100_000_000n] }) });
  await publicClient.waitForTransactionReceipt({
    hash: await buyer.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, await quoteJob(publicClient, deployments.contracts, choice, buyer.account.address), algorithmHash(HONEST)) }),
  });
  jobId = await publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobCount' });
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

// Whatever came before, the node still answers (it runs in this process: a crash would end the suite).
afterEach(async () => {
  expect(await fetch(new URL('/api/v1/health', endpoint)).then((response) => response.status)).toBe(200);
});

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** POSTs `body` (sent as it is when a string, named or not, else as JSON) to the node's job submission route. */
async function submit(body: unknown, authorization?: string): Promise<Answer> {
  const response = await fetch(new URL('/api/v1/jobs', endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' || body instanceof String ? String(body) : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A refusal as the API documents it (an Error object), with a 4xx. */
function expectRefusal(answer: Answer, status?: number, code?: string): void {
  expect(answer).toMatchObject({ json: { error: code ?? expect.stringMatching(/^[a-z][a-z-]*$/), reason: expect.any(String) } });
  if (status) expect(answer.status).toBe(status);
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  // A sentence, not an echo of whatever the request carried.
  expect((answer.json.reason as string).length).toBeLessThan(2_000);
}

/** The buyer's sign-in for `job`, binding the result key. */
const buyerAuthorization = (job = jobId) => jobAuthorization(bed.buyer.account!, { endpoint, chainId, jobId: job, resultKey });

/** A submission of `content` for the paid job. */
const submission = (content: Buffer, params: unknown = {}) => ({ jobId: jobId.toString(), algorithm: { name: 'job.py', content: content.toString('base64') }, params, resultKey });

// ---------------------------------------------------------------------------------------------- arbitraries

/** The body of `submission(OTHER)` as JSON text, with `params` as the raw JSON text given. */
const withRawParams = (params: string) => JSON.stringify({ ...submission(OTHER), params: 0 }).replace('"params":0', () => `"params":${params}`);

/** File names an algorithm might be given to escape the node's algorithms directory or break it. */
const hostileName = fc.oneof(
  fc.constantFrom('../../etc/passwd.py', '../job.py', '/etc/cron.d/x.py', 'a/b.py', '..', '.py', '.hidden.py', 'job.py\u0000.sh', 'job\u0000.py', 'job.py ', ' job.py', 'CON.py', 'job.py/', 'job.exe', 'job.sh', 'job.PY', '%2e%2e%2fjob.py', 'jöb.py', 'job\u202epy.exe', ''),
  fc.integer({ min: 101, max: 10_000 }).map((n) => `${'a'.repeat(n)}.py`),
  fc.string({ unit: 'binary', maxLength: 40 }).map((name) => `${name}.py`),
);
/** Values of every JSON type. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(-1, 1.5, 1e308, '', '\u0000', '0', '-1', '1e3', '0x10', ' 1', '9'.repeat(40), [], {}),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

/** `submission(OTHER)` with `field` (dotted) set to `value`. */
function replaced(field: string, value: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = { ...submission(OTHER) };
  const [outer, inner] = field.split('.') as [string, string | undefined];
  body[outer] = inner ? { ...(body[outer] as object), [inner]: value } : value;
  return body;
}

/** A submission body: the honest shape with one thing made hostile, or not JSON at all (raw text goes as a String). */
const hostileBody: fc.Arbitrary<object> = fc.oneof(
  fc.tuple(fc.constantFrom('jobId', 'algorithm', 'algorithm.name', 'algorithm.content', 'params', 'resultKey', 'extra'), anyValue).map(([field, value]) => named(`${field} = ${shown(value)}`, replaced(field, value))),
  hostileName.map((name) => named(`algorithm.name = ${shown(name)}`, replaced('algorithm.name', name))),
  // Params with NUL, controls, bidi overrides, lone surrogates and injections in keys and values, nested deep (as raw JSON text), and huge.
  nastyString().map((text) => named(`params with ${shown(text)}`, replaced('params', { text, [text]: text, list: [text] }))),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '"\\u0000"', '"\\ud800"', '[1e400]').map((params) => named(`params ${params}`, new String(withRawParams(params)))),
  fc.integer({ min: 1, max: 200_000 }).map((depth) => named(`params nested ${depth} deep`, new String(withRawParams(nestedJson(depth))))),
  fc.integer({ min: 1, max: 200_000 }).map((length) => named(`params of ${length} numbers`, replaced('params', Array.from({ length }, (_, i) => i)))),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => named(`the body ${shown(text)}`, new String(text))),
);

/** Algorithm content that is not base64: a character outside its alphabet, padding inside, or a length no base64 has. */
const notBase64 = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.nat(), fc.constantFrom(' ', '!', '-', '_', '.', '\n', '\u0000', 'é', '=', '==='), fc.constantFrom('replace', 'insert', 'cut'))
  .map(([bytes, at, text, how]) => {
    const base64 = Buffer.from(bytes).toString('base64');
    const i = at % base64.length;
    return how === 'cut' ? base64.slice(0, -1 - (i % 3)) : base64.slice(0, i) + text + base64.slice(how === 'replace' ? i + 1 : i);
  })
  .filter((content) => !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(content));

/** Job ids no job has here: well-formed but never paid for on this chain. */
const unpaidJobId = fc.oneof(fc.bigInt({ min: 1_000n, max: 10n ** 31n - 1n }), fc.constantFrom(10n ** 31n - 1n, 2n ** 64n, 2n ** 96n));
/** Job ids a submission may not name at all: not a decimal number without sign, space or leading zero, or of the wrong type. */
const notJobId = fc.oneof(
  fc.constantFrom<unknown>('0', '01', '-1', '+1', '1.0', ' 1', '1 ', '1e3', '0x1', '\u0661', '\uff11', '1\u0000', '9'.repeat(32), '', 1, 1.5, -1, null, true, [1], { $gt: 0 }),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => !/^[1-9][0-9]{0,30}$/.test(text)),
);

/** How an attacker makes the Authorization header of a submission. */
type Forgery = () => Promise<string | undefined>;
const signIn = (message: string, signature: string) => `SIWE ${toBase64(new TextEncoder().encode(JSON.stringify({ message, signature })))}`;

/** The buyer's own sign-in for the job, taken apart: its message and signature. */
async function buyerSignIn(): Promise<{ message: string; signature: string }> {
  return JSON.parse(Buffer.from((await buyerAuthorization()).slice('SIWE '.length), 'base64url').toString('utf8')) as { message: string; signature: string };
}

/** The sign-in rules (README, the provider API) that the message of `authorization` breaks. */
function brokenRules(authorization: string): string[] {
  const { message } = JSON.parse(Buffer.from(authorization.slice('SIWE '.length), 'base64url').toString('utf8')) as { message: string };
  const { domain, chainId: chain, address, expirationTime, issuedAt, notBefore, resources } = parseSiweMessage(message);
  const now = Date.now();
  const time = (date: Date | undefined) => date?.getTime() ?? Number.NaN;
  const rules: [string, boolean][] = [
    ['the node’s host, chain and the buyer', domain === new URL(endpoint).host && chain === chainId && address === bed.buyer.account!.address],
    ['it expires within 15 minutes', time(expirationTime) > now && time(expirationTime) <= now + 16 * 60_000],
    ['it was issued, not in the future', time(issuedAt) <= now + 60_000],
    ['it is valid now', notBefore === undefined || time(notBefore) <= now + 60_000],
    ['it names the job and the result key', !!resources?.includes(jobResource(chainId, jobId)) && !!resources?.includes(resultKeyResource(resultKey))],
  ];
  return rules.flatMap(([rule, holds]) => (holds ? [] : [rule]));
}

const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc
    .constantFrom<[string, string | undefined]>(
      ['none', undefined],
      ['Bearer x', 'Bearer x'],
      ['SIWE with nothing', 'SIWE '],
      ['SIWE !!', 'SIWE !!'],
      ['SIWE of no JSON', `SIWE ${Buffer.from('{not json').toString('base64url')}`],
      ['SIWE of []', `SIWE ${Buffer.from('[]').toString('base64url')}`],
      ['SIWE of numbers', `SIWE ${Buffer.from('{"message":1,"signature":2}').toString('base64url')}`],
    )
    .map(([name, header]) => named(name, () => Promise.resolve(header))),
  fc.integer({ min: 1, max: 12_000 }).map((n) => named(`SIWE of ${n} characters`, () => Promise.resolve(`SIWE ${'A'.repeat(n)}`))),
  // The buyer's message edited (and signed again, or not); a stranger's; another job's; an expired one.
  fc.tuple(messageEdit, fc.boolean()).map(([edit, resign]) =>
    named(`the buyer’s sign-in with ${fc.stringify(edit)}${resign ? ', signed again' : ''}`, async () => {
      const { message, signature } = await buyerSignIn();
      const edited = edit(message);
      return signIn(edited, resign ? await bed.buyer.account!.signMessage({ message: edited }) : signature);
    }),
  ),
  fc.constantFrom(
    named('a stranger’s sign-in', async () => jobAuthorization((await bed.services.market(STRANGER)).account!, { endpoint, chainId, jobId, resultKey })),
    named('the buyer’s sign-in for another job', () => buyerAuthorization(jobId + 1n)),
    named('the buyer’s sign-in for another chain', () => jobAuthorization(bed.buyer.account!, { endpoint, chainId: 1, jobId, resultKey })),
    named('the buyer’s sign-in for another host', () => jobAuthorization(bed.buyer.account!, { endpoint: 'http://evil.example:1', chainId, jobId, resultKey })),
    named('the buyer’s sign-in expired ten minutes ago', async () => {
      const { message } = await buyerSignIn();
      const past = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      const expired = replacingLine('Expiration Time', past(10))(replacingLine('Issued At', past(20))(message));
      return signIn(expired, await bed.buyer.account!.signMessage({ message: expired }));
    }),
    named('the buyer’s sign-in for another result key', () => jobAuthorization(bed.buyer.account!, { endpoint, chainId, jobId, resultKey: generateResultKeyPair().publicKey })),
    named('the buyer’s sign-in to read the job (no result key)', () => jobAuthorization(bed.buyer.account!, { endpoint, chainId, jobId })),
    named('the buyer’s message with another account’s signature', async () => {
      const { message } = await buyerSignIn();
      return signIn(message, await (await bed.services.market(STRANGER)).account!.signMessage({ message }));
    }),
  ),
);

/** Requests of any method on any path: the node's routes answer or refuse them, and never fail. */
const hostileRoute = fc.tuple(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  fc.oneof(
    fc.constantFrom('/', '/api', '/api/v1', '/api/v1/jobs', '/api/v1/jobs/', '/api/v1/jobs/0', '/api/v1/jobs/01', '/api/v1/jobs/%2e%2e', '/api/v1/jobs/1/../../x', '/api/v1/health/x', '/api/v1/jobs/1/events/x', '/api/v2/jobs'),
    fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 256n }), fc.constantFrom('', '/report', '/logs', '/results', '/x')).map(([id, sub]) => `/api/v1/jobs/${id}${sub}`),
    fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `/api/v1/jobs/${encodeURIComponent(text)}`),
  ),
);

// ------------------------------------------------------------------------------------------------- tests

describe('a provider node under hostile submissions', () => {
  it('refuses malformed JSON, wrong types, hostile names, content and params with a reason code', async () => {
    const authorization = await buyerAuthorization();
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        expectRefusal(await submit(body, authorization));
        // The node runs in this process: params are never merged into anything.
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      { ...FUZZ, numRuns: 150 },
    );
  });

  it('refuses algorithm content that is not base64 as a malformed submission, whatever it decodes to', async () => {
    const authorization = await buyerAuthorization();
    await fc.assert(
      fc.asyncProperty(notBase64, async (content) => {
        const answer = await submit({ ...submission(OTHER), algorithm: { name: 'job.py', content } }, authorization);
        expectRefusal(answer, 400, 'malformed-submission');
        expect(answer.json.reason).toMatch(/^algorithm\.content: must be base64/);
      }),
      { ...FUZZ, numRuns: 60 },
    );
  });

  it('refuses job ids that are not ids as malformed, and ids never paid as job-not-paid, under a sign-in for that id', async () => {
    await fc.assert(
      fc.asyncProperty(notJobId, async (id) => {
        expectRefusal(await submit({ ...submission(OTHER), jobId: id }, await buyerAuthorization()), 400, 'malformed-submission');
      }),
      { ...FUZZ, numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(unpaidJobId, async (id) => {
        expectRefusal(await submit({ ...submission(OTHER), jobId: id.toString() }, await buyerAuthorization(id)), 404, 'job-not-paid');
      }),
      { ...FUZZ, numRuns: 30 },
    );
  });

  it('refuses sign-ins that are missing, forged, edited, expired, for another job or from another account', async () => {
    await fc.assert(
      fc.asyncProperty(forgery, async (forge) => {
        const authorization = await forge();
        const answer = await submit(submission(OTHER), authorization);
        expectRefusal(answer);
        // Past the sign-in the node refuses the algorithm (not the one paid for): only a sign-in the buyer signed, keeping every rule, gets there.
        if (answer.status === 409) expect([answer.json.error, brokenRules(authorization!)]).toEqual(['algorithm-mismatch', []]);
        else expect(`${answer.status} ${String(answer.json.error)}`).toMatch(/^(40[13] |400 result-key-mismatch$)/);
      }),
      { ...FUZZ, numRuns: 80 },
    );
  });

  it('answers any method on any path with a reason, never a failure', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRoute, async ([method, route]) => {
        const response = await fetch(`${endpoint}${route}`, { method });
        const json = (await response.json()) as Record<string, unknown>;
        if (response.status !== 200) expectRefusal({ status: response.status, json });
      }),
      { ...FUZZ, numRuns: 100 },
    );
  });

  it('refuses algorithms over its limit, and bodies past its bound, with answers the client reads', async () => {
    const huge = Buffer.alloc(MAX_ALGORITHM_BYTES + 1024, 0x61);
    expectRefusal(await submit(submission(huge), await buyerAuthorization()), 400, 'malformed-submission');
    // Past the body's own bound (room for an algorithm and an evaluate template's model): refused before it is read
    // whole, several times over one kept-alive connection.
    for (let i = 0; i < 4; i++) expectRefusal(await submit(submission(Buffer.concat([huge, huge, huge])), await buyerAuthorization()), 413, 'too-large');
    // A model rides only with a job of the evaluate template: this one paid for another algorithm.
    expectRefusal(await submit({ ...submission(HONEST), model: Buffer.from('not a model').toString('base64') }, await buyerAuthorization()), 400, 'malformed-submission');
    // A sign-in past Node's header limit (16 kB) is answered by Node itself, before any route: a 431, not a reset.
    expect((await fetch(new URL('/api/v1/jobs', endpoint), { method: 'POST', headers: { authorization: `SIWE ${'A'.repeat(20_000)}` }, body: '{}' })).status).toBe(431);
  });

  describe('regressions the properties found', () => {
    it('params nested 2161 levels deep are a malformed submission, not a stack overflow (a 500)', async () => {
      expectRefusal(await submit(withRawParams(nestedJson(2_161)), await buyerAuthorization()), 400, 'malformed-submission');
    });

    it('params may nest 32 levels: the 33rd is refused before anything is read on-chain', async () => {
      // 32 levels pass the limit (and are refused only for the algorithm, which is not the paid one).
      expectRefusal(await submit(withRawParams(nestedJson(32)), await buyerAuthorization()), 409, 'algorithm-mismatch');
      expectRefusal(await submit(withRawParams(nestedJson(33)), await buyerAuthorization()), 400, 'malformed-submission');
    });

    it('algorithm content that is not base64 is a malformed submission: it was decoded leniently and refused as another algorithm', async () => {
      const answer = await submit({ ...submission(OTHER), algorithm: { name: 'job.py', content: 'not base64 !!' } }, await buyerAuthorization());
      expectRefusal(answer, 400, 'malformed-submission');
    });

    it('a sign-in the buyer signed with an Expiration Time that is no date is refused: it was accepted, and never expired', async () => {
      const { message } = await buyerSignIn();
      const undated = replacingLine('Expiration Time', 'never')(message);
      const answer = await submit(submission(OTHER), signIn(undated, await bed.buyer.account!.signMessage({ message: undated })));
      expectRefusal(answer, 401, 'siwe-malformed');
    });
  });

  it('then runs the buyer’s honest submission of the same job, and a job whose params hold NUL and nesting', async () => {
    expect(await submit(submission(HONEST), await buyerAuthorization())).toMatchObject({ status: 202, json: { jobId: jobId.toString(), status: 'queued' } });
    // A replay of the same submission is refused once it is queued.
    expectRefusal(await submit(submission(HONEST), await buyerAuthorization()), 409, 'already-submitted');
    expect(await bed.client.follow(jobId)).toMatchObject({ status: 'finished' });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-hostile-provider-'));
    writeFileSync(path.join(dir, 'echo.py'), HONEST);
    const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(dir, 'echo.py'), params: HONEST_PARAMS, maxMinutes: 2 });
    expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
    await bed.client.results(requested.jobId, path.join(dir, 'results'));
    expect(JSON.parse(readFileSync(path.join(dir, 'results', 'outputs', 'params.json'), 'utf8'))).toEqual(HONEST_PARAMS);
  });
});
