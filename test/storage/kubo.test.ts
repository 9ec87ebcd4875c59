/**
 * KuboStore against a real Kubo RPC API daemon (js-ipfs, see ./kubo-daemon): the production adapter path.
 * The same bytes get the same CID there and on our Helia node; reads, pins and blocks work alike.
 */
import { randomBytes } from 'node:crypto';
import { ContentNotFoundError, KuboStore } from '@/lib/storage';
import { HeliaNode } from '@/lib/storage/helia';
import { ABSENT_CID, collect, HELLO, HELLO_CID_V1, inPieces, KUBO_VECTORS, LINKING_BLOCK, LINKING_BLOCK_CID, patternBytes, tempDir } from './fixtures';
import { startKuboDaemon, type KuboDaemon } from './kubo-daemon';

let daemon: KuboDaemon;
let store: KuboStore;
let temp: ReturnType<typeof tempDir>;
let helia: HeliaNode;

beforeAll(async () => {
  temp = tempDir('kubo-compare');
  [daemon, helia] = await Promise.all([startKuboDaemon(), HeliaNode.open(temp.dir)]);
  // js-ipfs offline waits for the lookup timeout before saying a block is missing: keep it short here.
  store = await KuboStore.connect(daemon.apiUrl, { adapter: 'kubo', lookupTimeoutMs: 500 });
}, 600_000);

afterAll(async () => {
  await Promise.all([daemon?.stop(), helia?.close()]);
  temp?.remove();
});

it('the same bytes give the same CID on the Kubo daemon and on our Helia node', async () => {
  const files = [HELLO, new Uint8Array(0), randomBytes(262_145), randomBytes(5_000_000)];
  for (const bytes of files) {
    const onKubo = await store.add(inPieces(bytes, 65_536));
    expect(onKubo).toEqual({ cid: (await helia.add(bytes)).cid, size: bytes.byteLength });
  }
  expect((await store.add(HELLO)).cid).toBe(HELLO_CID_V1);
});

it('cat with offset and length, stat, pin and unpin', async () => {
  const bytes = randomBytes(1_000_000);
  const { cid } = await store.add(bytes);
  expect((await collect(store.cat(cid))).equals(bytes)).toBe(true);
  expect((await collect(store.cat(cid, { offset: 262_100, length: 100 }))).equals(bytes.subarray(262_100, 262_200))).toBe(true);
  expect(await store.stat(cid)).toEqual({ cid, size: bytes.byteLength, pinned: true });
  await store.unpin(cid);
  await store.unpin(cid);
  expect((await store.stat(cid)).pinned).toBe(false);
  await store.pin(cid);
  expect((await store.stat(cid)).pinned).toBe(true);
});

it('putBlock and getBlock: the DAG-JSON CID the daemon computes is ours', async () => {
  await store.add(HELLO);
  expect(await store.putBlock(LINKING_BLOCK, 'dag-json')).toBe(LINKING_BLOCK_CID);
  expect(Buffer.from(await store.getBlock(LINKING_BLOCK_CID)).equals(LINKING_BLOCK)).toBe(true);
  expect((await store.stat(LINKING_BLOCK_CID)).pinned).toBe(true);
});

it('a missing CID: ContentNotFoundError once the lookup times out', async () => {
  await expect(store.stat(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
  await expect(collect(store.cat(ABSENT_CID))).rejects.toBeInstanceOf(ContentNotFoundError);
  await expect(store.getBlock(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
});

it('health reports the daemon', async () => {
  expect(await store.health()).toMatchObject({ adapter: 'kubo', apiUrl: daemon.apiUrl, agent: expect.stringMatching(/^js-ipfs/), peerId: expect.any(String) });
});

it('the Kubo vectors hold on the daemon too', async () => {
  for (const { size, cid } of KUBO_VECTORS.filter((v) => v.size <= 3_000_000)) expect((await store.add(patternBytes(size))).cid).toBe(cid);
});
