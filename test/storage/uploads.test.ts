/**
 * Uploads in parts (what the publish wizard sends) against the real storage node: parts in order become the
 * same file, with Kubo's CID, as one add; bad sizes, parts out of order, more bytes than declared, unknown and
 * idle sessions are refused with typed errors, and an abandoned upload leaves nothing pinned.
 */
import { openStore, type ContentStore } from '@/lib/storage';
import { startStorageNode, type StorageNode } from '@/lib/storage/node';
import { UploadError, UploadSessions } from '@/lib/storage/uploads';
import { KUBO_VECTORS, patternBytes, tempDir } from './fixtures';

let temp: ReturnType<typeof tempDir>;
let node: StorageNode;
let store: ContentStore;

beforeAll(async () => {
  temp = tempDir('storage-uploads');
  node = await startStorageNode({ host: '127.0.0.1', port: 0, dir: temp.dir });
  store = await openStore({ adapter: 'helia', apiUrl: node.url, host: '127.0.0.1', port: 0, dir: temp.dir });
});

afterAll(async () => {
  await store.close();
  await node.stop();
  temp.remove();
});

async function* chunks(bytes: Uint8Array, size = 65_536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<UploadError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(UploadError);
    return error as UploadError;
  }
  throw new Error('expected an UploadError');
}

it('turns parts sent in order into one pinned file with the CID of a single add', async () => {
  const { size, cid } = KUBO_VECTORS.find((vector) => vector.size === 3_000_000)!;
  const bytes = patternBytes(size);
  const sessions = new UploadSessions(store);
  const { id } = sessions.start(size);
  // Parts of uneven sizes, as the encrypted stream cuts them.
  const cuts = [0, 1_000_003, 2_000_000, size];
  for (let part = 0; part < cuts.length - 1; part++) {
    expect(await sessions.append(id, part, chunks(bytes.subarray(cuts[part], cuts[part + 1])))).toEqual({ received: cuts[part + 1] });
  }
  expect(await sessions.finish(id)).toEqual({ cid, size });
  expect((await store.stat(cid)).pinned).toBe(true);
  expect(sessions.open).toBe(0);
});

it('refuses bad sizes, parts out of order, extra bytes, early finishes and unknown sessions', async () => {
  const sessions = new UploadSessions(store, { maxBytes: 1_000, idleMs: 60_000 });
  expect((await refusal(() => sessions.start(0))).code).toBe('bad-size');
  expect((await refusal(() => sessions.start(1_001))).status).toBe(413);

  const { id } = sessions.start(100);
  expect((await refusal(sessions.append(id, 1, chunks(patternBytes(10))))).code).toBe('out-of-order');
  await sessions.append(id, 0, chunks(patternBytes(60)));
  expect((await refusal(sessions.finish(id))).code).toBe('incomplete');
  const over = await refusal(sessions.append(id, 1, chunks(patternBytes(50))));
  expect(over).toMatchObject({ status: 413, code: 'over-declared-size' });
  // The session is gone with its add: nothing more is accepted for it.
  expect((await refusal(sessions.append(id, 2, chunks(patternBytes(1))))).code).toBe('unknown-upload');
  expect((await refusal(sessions.finish('no-such-upload'))).status).toBe(404);
  expect(sessions.open).toBe(0);
});

it('aborts an idle upload and pins nothing of it', async () => {
  const pins = async () => {
    const cids: string[] = [];
    for await (const pin of (await import('kubo-rpc-client')).create({ url: node.url }).pin.ls()) cids.push(pin.cid.toString());
    return cids.sort();
  };
  const before = await pins();
  const sessions = new UploadSessions(store, { maxBytes: 1_000_000, idleMs: 200 });
  const bytes = patternBytes(300_000);
  const { id } = sessions.start(bytes.length);
  await sessions.append(id, 0, chunks(bytes.subarray(0, 100_000)));
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(sessions.open).toBe(0);
  expect((await refusal(sessions.append(id, 1, chunks(bytes.subarray(100_000))))).code).toBe('unknown-upload');
  expect(await pins()).toEqual(before);
});
