/**
 * Issue 15, attack 8: the web app's /api/uploads pins what browsers send in the market's IPFS node, so an open
 * route lets anyone fill its disk. Each abuse is tried through the route handlers themselves, against a real
 * chain (anvil, the market deployed) and the embedded IPFS node: uploads need a SIWE sign-in this server
 * issued, used once, by an account with gas money; each account holds few sessions and bytes; a session's
 * parts come only from its opener; an abandoned session is dropped and nothing of it is pinned.
 */
import type { LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DELETE as abandonRoute, POST as finishRoute, PUT as partRoute } from '@/app/api/uploads/[id]/route';
import { POST as openRoute } from '@/app/api/uploads/route';
import { GET as messageRoute, POST as signInRoute } from '@/app/api/uploads/sign-in/route';
import { createAuthSig } from '@/lib/access/siwe';
import { devAccount } from '@/lib/chain';
import { contentStore } from '@/lib/web/services';
import { patternBytes } from '../storage/fixtures';
import { startUploadRoutes, type UploadRoutes } from '../helpers/uploads';

const SESSIONS = 2;
/** 1 MiB per account, as DATAGORA_UPLOAD_GIB says it. */
const ACCOUNT_BYTES = 1024 ** 2;
const IDLE_SECONDS = 3;
const SIWE_DOMAIN = 'uploads.test:3000';
const API = 'http://uploads.test:3000/api/uploads';

let routes: UploadRoutes;

beforeAll(async () => {
  routes = await startUploadRoutes('security-uploads', { siweDomain: SIWE_DOMAIN, sessions: SESSIONS, accountBytes: ACCOUNT_BYTES, idleSeconds: IDLE_SECONDS });
});

afterAll(() => routes?.stop());

interface Answer {
  status: number;
  body: { id?: string; token?: string; message?: string; cid?: string; size?: number; error?: string; code?: string; hint?: string };
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: response.status === 204 ? {} : ((await response.json()) as Answer['body']) };
}

const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
const context = (id: string) => ({ params: Promise.resolve({ id }) });

/** Signs in through the routes: the server's message, signed by `account`; the whole answer. */
async function signIn(account: LocalAccount): Promise<Answer & { signed: { message: string; signature: string } }> {
  const { body } = await answer(await messageRoute(new Request(`${API}/sign-in?address=${account.address}`)));
  const signed = { message: body.message!, signature: await account.signMessage({ message: body.message! }) };
  return { ...(await postSignIn(signed)), signed };
}

async function postSignIn(signed: { message: string; signature: string }): Promise<Answer> {
  return answer(await signInRoute(new Request(`${API}/sign-in`, { method: 'POST', body: JSON.stringify(signed) })));
}

async function tokenOf(account: LocalAccount): Promise<string> {
  const signedIn = await signIn(account);
  expect(signedIn.status).toBe(200);
  return signedIn.body.token!;
}

const open = async (size: number, token?: string) => answer(await openRoute(new Request(API, { method: 'POST', headers: bearer(token), body: JSON.stringify({ size }) })));
const part = async (id: string, index: number, bytes: Uint8Array, token?: string) =>
  answer(await partRoute(new Request(`${API}/${id}?part=${index}`, { method: 'PUT', headers: bearer(token), body: bytes as BodyInit }), context(id)));
const finish = async (id: string, token?: string) => answer(await finishRoute(new Request(`${API}/${id}`, { method: 'POST', headers: bearer(token) }), context(id)));
const abandon = async (id: string, token?: string) => answer(await abandonRoute(new Request(`${API}/${id}`, { method: 'DELETE', headers: bearer(token) }), context(id)));

async function pins(): Promise<string[]> {
  const cids: string[] = [];
  for await (const pin of (await import('kubo-rpc-client')).create({ url: routes.node.url }).pin.ls()) cids.push(pin.cid.toString());
  return cids.sort();
}

it('an anonymous upload is refused before anything reaches the node', async () => {
  const refused = await open(1_000);
  expect(refused).toMatchObject({ status: 401, body: { error: 'UploadSignInError', code: 'sign-in-required' } });
  expect(refused.body.hint).toMatch(/sign in/);
  expect(await open(1_000, 'forged.token.value')).toMatchObject({ status: 401, body: { code: 'sign-in-invalid' } });
});

it('an unfunded account cannot sign in, and one drained since its sign-in cannot open an upload', async () => {
  const fresh = privateKeyToAccount(generatePrivateKey());
  expect(await signIn(fresh)).toMatchObject({ status: 402, body: { error: 'UnfundedAccountError', code: 'unfunded' } });

  const drained = devAccount(7);
  const token = await tokenOf(drained);
  await routes.market.testClient.setBalance({ address: drained.address, value: 0n });
  expect(await open(1_000, token)).toMatchObject({ status: 402, body: { code: 'unfunded' } });
});

it('a sign-in is accepted once, only as this server wrote it, and its token only for its own uploads', async () => {
  const [owner, other] = [devAccount(1), devAccount(2)];
  const first = await signIn(owner);
  expect(first.status).toBe(200);
  expect(await postSignIn(first.signed)).toMatchObject({ status: 401, body: { code: 'sign-in-replayed' } });
  // A SIWE message the account wrote itself, for this domain and chain, but with a nonce this server never issued.
  const own = await createAuthSig(owner, { domain: SIWE_DOMAIN, uri: API, chainId: routes.market.deployments.chainId });
  expect(await postSignIn({ message: own.signedMessage, signature: own.sig })).toMatchObject({ status: 401, body: { code: 'sign-in-foreign' } });
  // Another account's signature over the owner's message.
  const { body } = await answer(await messageRoute(new Request(`${API}/sign-in?address=${owner.address}`)));
  expect(await postSignIn({ message: body.message!, signature: await other.signMessage({ message: body.message! }) })).toMatchObject({ status: 401, body: { code: 'siwe-bad-signature' } });

  const ownerToken = first.body.token!;
  const otherToken = await tokenOf(other);
  const { body: opened } = await open(10, ownerToken);
  const id = opened.id!;
  expect(await part(id, 0, patternBytes(10))).toMatchObject({ status: 401, body: { code: 'sign-in-required' } });
  expect(await part(id, 0, patternBytes(10), otherToken)).toMatchObject({ status: 403, body: { code: 'not-your-upload' } });
  // The owner's address with another token's MAC is no token at all.
  const forged = [ownerToken.split('.')[0], ...otherToken.split('.').slice(1)].join('.');
  expect(await part(id, 0, patternBytes(10), forged)).toMatchObject({ status: 401, body: { code: 'sign-in-invalid' } });
  expect(await finish(id, otherToken)).toMatchObject({ status: 403, body: { code: 'not-your-upload' } });
  expect(await abandon(id, otherToken)).toMatchObject({ status: 403, body: { code: 'not-your-upload' } });
  // None of it touched the owner's session.
  expect(await part(id, 0, patternBytes(10), ownerToken)).toMatchObject({ status: 200, body: { received: 10 } });
  expect(await abandon(id, ownerToken)).toMatchObject({ status: 204 });
});

it('an account holds at most its sessions and bytes open; a finished or abandoned one frees its share', async () => {
  const token = await tokenOf(devAccount(3));
  expect(await open(ACCOUNT_BYTES + 1, token)).toMatchObject({ status: 413, body: { code: 'too-large' } });
  const big = await open(ACCOUNT_BYTES - 100, token);
  expect(big.status).toBe(201);
  expect(await open(200, token)).toMatchObject({ status: 429, body: { code: 'too-many-bytes' } });
  const small = await open(100, token);
  expect(small.status).toBe(201);
  expect(await open(1, token)).toMatchObject({ status: 429, body: { code: 'too-many-uploads' } });
  // Another account's limits are its own.
  expect((await open(1, await tokenOf(devAccount(4)))).status).toBe(201);

  await abandon(small.body.id!, token);
  expect((await open(100, token)).status).toBe(201);
});

it('an abandoned upload is dropped after the idle time, pins nothing, and frees its slot', async () => {
  const before = await pins();
  const token = await tokenOf(devAccount(5));
  const bytes = patternBytes(300_000);
  const ids: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const { body } = await open(bytes.length, token);
    ids.push(body.id!);
    expect(await part(body.id!, 0, bytes.subarray(0, 100_000), token)).toMatchObject({ status: 200 });
  }
  expect((await open(1, token)).body.code).toBe('too-many-uploads');
  await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS + 1.5) * 1000));
  for (const id of ids) expect(await part(id, 1, bytes.subarray(100_000), token)).toMatchObject({ status: 404, body: { code: 'unknown-upload' } });
  expect(await pins()).toEqual(before);
  const again = await open(1, token);
  expect(again.status).toBe(201);
  await abandon(again.body.id!, token);
});

it('an honest, funded account still uploads in parts and gets its file pinned', async () => {
  const token = await tokenOf(devAccount(6));
  const bytes = patternBytes(600_000);
  const { status, body } = await open(bytes.length, token);
  expect(status).toBe(201);
  expect(await part(body.id!, 0, bytes.subarray(0, 250_000), token)).toMatchObject({ status: 200, body: { received: 250_000 } });
  expect(await part(body.id!, 1, bytes.subarray(250_000), token)).toMatchObject({ status: 200, body: { received: bytes.length } });
  const stored = await finish(body.id!, token);
  expect(stored).toMatchObject({ status: 200, body: { size: bytes.length } });
  expect((await (await contentStore()).stat(stored.body.cid!)).pinned).toBe(true);
});
