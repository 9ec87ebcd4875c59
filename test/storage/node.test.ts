/**
 * The storage node over HTTP, through KuboStore (kubo-rpc-client): the path every client takes. CIDs
 * match the in-process Helia node's; errors arrive typed; the wire speaks Kubo's RPC dialect.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PortInUseError } from '@/lib/net/ports';
import {
  ContentNotFoundError,
  InvalidBlockError,
  InvalidCidError,
  KuboStore,
  openStore,
  StorageUnavailableError,
  UploadAbortedError,
  type ContentStore,
} from '@/lib/storage';
import { HeliaNode } from '@/lib/storage/helia';
import { startStorageNode, type StorageNode } from '@/lib/storage/node';
import { UploadError, UploadSessions } from '@/lib/storage/uploads';
import { ABSENT_CID, collect, HELLO, HELLO_CID_V1, inPieces, KUBO_VECTORS, LINKING_BLOCK, LINKING_BLOCK_CID, patternBytes, tempDir } from './fixtures';

let temp: ReturnType<typeof tempDir>;
let node: StorageNode;
let store: ContentStore;

beforeAll(async () => {
  temp = tempDir('storage-node');
  node = await startStorageNode({ host: '127.0.0.1', port: 0, dir: temp.dir });
  store = await openStore({ adapter: 'helia', apiUrl: node.url, host: '127.0.0.1', port: 0, dir: temp.dir });
});

afterAll(async () => {
  await store.close();
  await node.stop();
  temp.remove();
});

function listening(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server)));
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (just released by the OS). */
async function closedPort(): Promise<number> {
  const server = await listening();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A raw Kubo RPC call, to check the wire format itself. */
function rpc(command: string, init: RequestInit = { method: 'POST' }): Promise<Response> {
  return fetch(`${node.url}/api/v0/${command}`, init);
}

describe('CIDs through the node equal the in-process Helia node’s and Kubo’s', () => {
  it.each(KUBO_VECTORS.filter((v) => v.size <= 3_000_000))('$size bytes', async ({ size, cid }) => {
    expect(await store.add(inPieces(patternBytes(size), 65_536))).toEqual({ cid, size });
  });

  it('a few MB of random bytes', async () => {
    const bytes = randomBytes(4_000_000);
    const local = tempDir('storage-node-local');
    const helia = await HeliaNode.open(local.dir);
    try {
      expect((await store.add(bytes)).cid).toBe((await helia.add(bytes)).cid);
    } finally {
      await helia.close();
      local.remove();
    }
  });
});

describe('through KuboStore', () => {
  const file = randomBytes(1_500_000);
  let cid: string;
  const progress: number[] = [];
  beforeAll(async () => {
    cid = (await store.add(inPieces(file, 100_000), { onProgress: (bytes) => progress.push(bytes) })).cid;
  });

  it('add reports progress up to the file size', () => {
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(file.byteLength);
  });

  it('cat, whole and with offset and length', async () => {
    expect((await collect(store.cat(cid))).equals(file)).toBe(true);
    expect((await collect(store.cat(cid, { offset: 262_000, length: 1_000 }))).equals(file.subarray(262_000, 263_000))).toBe(true);
  });

  it('stat, unpin, pin', async () => {
    expect(await store.stat(cid)).toEqual({ cid, size: file.byteLength, pinned: true });
    await store.unpin(cid);
    await store.unpin(cid);
    expect((await store.stat(cid)).pinned).toBe(false);
    await store.pin(cid);
    await store.pin(cid);
    expect((await store.stat(cid)).pinned).toBe(true);
  });

  it('putBlock and getBlock round-trip a DAG-JSON block', async () => {
    await store.add(HELLO);
    expect(await store.putBlock(LINKING_BLOCK, 'dag-json')).toBe(LINKING_BLOCK_CID);
    expect(Buffer.from(await store.getBlock(LINKING_BLOCK_CID)).equals(LINKING_BLOCK)).toBe(true);
    expect(await store.stat(LINKING_BLOCK_CID)).toEqual({ cid: LINKING_BLOCK_CID, size: LINKING_BLOCK.byteLength, pinned: true });
  });

  it('health names the adapter, the API, the version and the peer id', async () => {
    expect(await store.health()).toMatchObject({ adapter: 'helia', apiUrl: node.url, peerId: expect.stringMatching(/^12D3KooW/), version: expect.any(String) });
  });
});

describe('errors', () => {
  it('a CID the node does not have: ContentNotFoundError, at once', async () => {
    const started = Date.now();
    await expect(collect(store.cat(ABSENT_CID))).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(store.stat(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(store.getBlock(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(store.pin(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('bad input is refused before anything is sent', async () => {
    await expect(store.stat('not-a-cid')).rejects.toBeInstanceOf(InvalidCidError);
    await expect(store.putBlock(new TextEncoder().encode('{"a":'), 'dag-json')).rejects.toBeInstanceOf(InvalidBlockError);
  });

  it('an aborted upload: UploadAbortedError, and the node goes on serving', async () => {
    const controller = new AbortController();
    const upload = store.add(inPieces(randomBytes(3_000_000), 65_536), {
      signal: controller.signal,
      onProgress: (bytes) => bytes > 500_000 && controller.abort(new Error('user cancelled')),
    });
    await expect(upload).rejects.toBeInstanceOf(UploadAbortedError);
    expect((await store.add(HELLO)).cid).toBe(HELLO_CID_V1);
  });

  it('nothing listening: StorageUnavailableError naming the URL, at once', async () => {
    const port = await closedPort();
    const closed = await KuboStore.connect(`http://127.0.0.1:${port}`, { adapter: 'kubo' });
    const started = Date.now();
    await expect(closed.health()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(closed.add(HELLO)).rejects.toThrow(`no IPFS node answers at http://127.0.0.1:${port}`);
    await expect(closed.stat(HELLO_CID_V1)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a taken port: PortInUseError naming DATAGORA_IPFS_PORT', async () => {
    const blocker = await listening();
    try {
      const attempt = startStorageNode({ host: '127.0.0.1', port: portOf(blocker), dir: temp.dir });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toMatchObject({ variable: 'DATAGORA_IPFS_PORT' });
    } finally {
      blocker.close();
    }
  });
});

describe('the Kubo RPC wire format', () => {
  it('add answers Kubo’s JSON, Size being the DAG size', async () => {
    const form = new FormData();
    form.append('file', new Blob([patternBytes(262_145)]), 'data.bin');
    const response = await rpc('add?cid-version=1', { method: 'POST', body: form });
    expect(response.status).toBe(200);
    const vector = KUBO_VECTORS.find((v) => v.size === 262_145);
    expect(await response.json()).toEqual({ Name: 'data.bin', Hash: vector?.cid, Size: String(vector?.dagSize) });
  });

  it('add?progress=true streams Kubo’s progress lines before the result', async () => {
    const form = new FormData();
    form.append('file', new Blob([patternBytes(600_000)]), 'data.bin');
    const response = await rpc('add?cid-version=1&progress=true', { method: 'POST', body: form });
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { Bytes?: number; Hash?: string });
    const progress = lines.slice(0, -1).map((line) => line.Bytes ?? 0);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(600_000);
    expect(lines.at(-1)).toMatchObject({ Name: 'data.bin', Hash: expect.stringMatching(/^bafy/) });
  });

  it('one file per add: a request with two is refused', async () => {
    const form = new FormData();
    form.append('file', new Blob(['first']), 'a.txt');
    form.append('file-1', new Blob(['second']), 'b.txt');
    const response = await rpc('add?cid-version=1', { method: 'POST', body: form });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ Message: expect.stringContaining('one file per request'), Type: 'error' });
  });

  it('errors are {Message, Code, Type} with 400, 404 and 405', async () => {
    const missing = await rpc(`cat?arg=${ABSENT_CID}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ Message: expect.stringContaining(ABSENT_CID), Code: 1, Type: 'error' });
    const bad = await rpc('cat?arg=nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ Code: 1, Type: 'error' });
    const unsupported = await rpc('add?trickle=true', { method: 'POST', body: new FormData() });
    expect(unsupported.status).toBe(400);
    expect((await rpc('version', { method: 'GET' })).status).toBe(405);
    expect((await rpc('swarm/peers')).status).toBe(404);
  });

  it('pin/ls answers about one CID, or lists the pins', async () => {
    const { cid } = await store.add(HELLO);
    expect(await (await rpc(`pin/ls?arg=${cid}`)).json()).toEqual({ Keys: { [cid]: { Type: 'recursive' } } });
    const listed = await (await rpc('pin/ls?stream=true')).text();
    expect(listed.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toContainEqual({ Cid: cid, Type: 'recursive' });
  });
});

/**
 * Uploads in parts (what the publish wizard sends): parts in order become the same file, with Kubo's CID, as one
 * add; bad sizes, parts out of order, more bytes than declared, unknown and idle sessions are refused with typed
 * errors, and an abandoned upload leaves nothing pinned.
 */
describe('uploads in parts', () => {
  /** Anvil's account #1: the sessions here check no sign-in, only that an upload is its opener's. */
  const owner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const limits = { sessionsPerAccount: 4, bytesPerAccount: 1_000_000_000, idleMs: 60_000 };

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
    const sessions = new UploadSessions(store, limits);
    const { id } = sessions.start(owner, size);
    // Parts of uneven sizes, as the encrypted stream cuts them.
    const cuts = [0, 1_000_003, 2_000_000, size];
    for (let part = 0; part < cuts.length - 1; part++) {
      expect(await sessions.append(owner, id, part, chunks(bytes.subarray(cuts[part], cuts[part + 1])))).toEqual({ received: cuts[part + 1] });
    }
    expect(await sessions.finish(owner, id)).toEqual({ cid, size });
    expect((await store.stat(cid)).pinned).toBe(true);
    expect(sessions.open).toBe(0);
  });

  it('refuses bad sizes, parts out of order, extra bytes, early finishes and unknown sessions', async () => {
    const sessions = new UploadSessions(store, { ...limits, bytesPerAccount: 1_000 });
    expect((await refusal(() => sessions.start(owner, 0))).code).toBe('bad-size');
    expect((await refusal(() => sessions.start(owner, 1_001))).status).toBe(413);

    const { id } = sessions.start(owner, 100);
    expect((await refusal(sessions.append(owner, id, 1, chunks(patternBytes(10))))).code).toBe('out-of-order');
    await sessions.append(owner, id, 0, chunks(patternBytes(60)));
    expect((await refusal(sessions.finish(owner, id))).code).toBe('incomplete');
    const over = await refusal(sessions.append(owner, id, 1, chunks(patternBytes(50))));
    expect(over).toMatchObject({ status: 413, code: 'over-declared-size' });
    // The session is gone with its add: nothing more is accepted for it.
    expect((await refusal(sessions.append(owner, id, 2, chunks(patternBytes(1))))).code).toBe('unknown-upload');
    expect((await refusal(sessions.finish(owner, 'no-such-upload'))).status).toBe(404);
    expect(sessions.open).toBe(0);
  });

  it('aborts an idle upload and pins nothing of it', async () => {
    const pins = async () => {
      const cids: string[] = [];
      for await (const pin of (await import('kubo-rpc-client')).create({ url: node.url }).pin.ls()) cids.push(pin.cid.toString());
      return cids.sort();
    };
    const before = await pins();
    const sessions = new UploadSessions(store, { ...limits, idleMs: 200 });
    const bytes = patternBytes(300_000);
    const { id } = sessions.start(owner, bytes.length);
    await sessions.append(owner, id, 0, chunks(bytes.subarray(0, 100_000)));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sessions.open).toBe(0);
    expect((await refusal(sessions.append(owner, id, 1, chunks(bytes.subarray(100_000))))).code).toBe('unknown-upload');
    expect(await pins()).toEqual(before);
  });
});
