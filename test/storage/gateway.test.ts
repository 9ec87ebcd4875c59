/** The /ipfs/<cid> gateway over a real store (the embedded node through KuboStore), and its Next.js route. */
import { randomBytes } from 'node:crypto';
import { GET, HEAD } from '@/app/ipfs/[cid]/route';
import { openStore, type ContentStore } from '@/lib/storage';
import { gatewayResponse, requestedRange } from '@/lib/storage/gateway';
import { startStorageNode, type StorageNode } from '@/lib/storage/node';
import { ABSENT_CID, tempDir } from './fixtures';

let temp: ReturnType<typeof tempDir>;
let node: StorageNode;
let store: ContentStore;
const file = randomBytes(700_000);
let cid: string;

beforeAll(async () => {
  temp = tempDir('gateway');
  node = await startStorageNode({ host: '127.0.0.1', port: 0, dir: temp.dir });
  store = await openStore({ adapter: 'kubo', apiUrl: node.url });
  cid = (await store.add(file)).cid;
});

afterAll(async () => {
  await store.close();
  await node.stop();
  temp.remove();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  const [, requested = ''] = path.split('/ipfs/');
  return gatewayResponse(store, requested, new Request(`http://gateway.test${path}`, { method, headers }));
}

async function body(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

it('GET streams the whole file with immutable caching headers', async () => {
  const response = await get(`/ipfs/${cid}`);
  expect(response.status).toBe(200);
  expect(Object.fromEntries(response.headers)).toMatchObject({
    etag: `"${cid}"`,
    'cache-control': 'public, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': String(file.byteLength),
  });
  expect((await body(response)).equals(file)).toBe(true);
});

it('Range bytes=a-b: 206 with exactly those bytes', async () => {
  const response = await get(`/ipfs/${cid}`, { Range: 'bytes=262140-262150' });
  expect(response.status).toBe(206);
  expect(response.headers.get('content-range')).toBe(`bytes 262140-262150/${file.byteLength}`);
  expect(response.headers.get('content-length')).toBe('11');
  expect((await body(response)).equals(file.subarray(262_140, 262_151))).toBe(true);
});

it('suffix and open-ended ranges', async () => {
  const suffix = await get(`/ipfs/${cid}`, { Range: 'bytes=-100' });
  expect(suffix.status).toBe(206);
  expect(suffix.headers.get('content-range')).toBe(`bytes ${file.byteLength - 100}-${file.byteLength - 1}/${file.byteLength}`);
  expect((await body(suffix)).equals(file.subarray(-100))).toBe(true);
  const tail = await get(`/ipfs/${cid}`, { Range: 'bytes=699990-' });
  expect((await body(tail)).equals(file.subarray(699_990))).toBe(true);
});

it('a range past the end: 416 naming the size', async () => {
  const response = await get(`/ipfs/${cid}`, { Range: `bytes=${file.byteLength}-` });
  expect(response.status).toBe(416);
  expect(response.headers.get('content-range')).toBe(`bytes */${file.byteLength}`);
});

it('If-None-Match with the CID: 304 without a body', async () => {
  const response = await get(`/ipfs/${cid}`, { 'If-None-Match': `W/"other", "${cid}"` });
  expect(response.status).toBe(304);
  expect(response.body).toBeNull();
  expect(response.headers.get('etag')).toBe(`"${cid}"`);
});

it('HEAD: the headers of GET, no body', async () => {
  const response = await get(`/ipfs/${cid}`, {}, 'HEAD');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-length')).toBe(String(file.byteLength));
  expect(response.body).toBeNull();
});

it('a malformed CID is 400, an unknown one 404', async () => {
  expect((await get('/ipfs/not-a-cid')).status).toBe(400);
  const missing = await get(`/ipfs/${ABSENT_CID}`);
  expect(missing.status).toBe(404);
  expect(await missing.text()).toContain(ABSENT_CID);
});

it('a node that does not answer: 503', async () => {
  const down = await openStore({ adapter: 'kubo', apiUrl: 'http://127.0.0.1:1' });
  expect((await gatewayResponse(down, cid, new Request('http://gateway.test/'))).status).toBe(503);
});

describe('requestedRange', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-200', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-1000', 100, { start: 0, end: 99 }],
    ['bytes=50-', 100, { start: 50, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=5-1', 100, undefined],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined],
    [null, 100, undefined],
  ])('%s of %i bytes → %j', (header, size, expected) => {
    expect(requestedRange(header, size)).toEqual(expected);
  });
});

describe('the Next.js route', () => {
  const saved = process.env.DATAGORA_IPFS_API;
  beforeAll(() => {
    process.env.DATAGORA_IPFS_API = node.url;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DATAGORA_IPFS_API;
    else process.env.DATAGORA_IPFS_API = saved;
  });

  it('serves GET and HEAD from the configured store', async () => {
    const context = { params: Promise.resolve({ cid }) };
    const response = await GET(new Request(`http://localhost/ipfs/${cid}`, { headers: { Range: 'bytes=0-3' } }), context);
    expect(response.status).toBe(206);
    expect((await body(response)).equals(file.subarray(0, 4))).toBe(true);
    expect((await HEAD(new Request(`http://localhost/ipfs/${cid}`, { method: 'HEAD' }), context)).status).toBe(200);
  });
});
