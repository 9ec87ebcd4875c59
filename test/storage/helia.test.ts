/** The embedded Helia node in process: Kubo's CIDs, reads, pins, blocks, errors and persistence. */
import { randomBytes } from 'node:crypto';
import { ContentNotFoundError, InvalidBlockError, InvalidCidError, InvalidRangeError, UploadAbortedError } from '@/lib/storage';
import { HeliaNode } from '@/lib/storage/helia';
import {
  ABSENT_CID,
  collect,
  HELLO,
  HELLO_CID_V0,
  HELLO_CID_V1,
  inPieces,
  KUBO_VECTORS,
  LINKING_BLOCK,
  LINKING_BLOCK_CID,
  patternBytes,
  tempDir,
} from './fixtures';

let temp: ReturnType<typeof tempDir>;
let node: HeliaNode;

beforeAll(async () => {
  temp = tempDir('helia');
  node = await HeliaNode.open(temp.dir);
});

afterAll(async () => {
  await node.close();
  temp.remove();
});

describe('CIDs equal Kubo’s', () => {
  it('"hello world\\n" with --cid-version=1, and with Kubo’s CIDv0 defaults', async () => {
    expect((await node.add(HELLO)).cid).toBe(HELLO_CID_V1);
    expect((await node.add(HELLO, { format: { cidVersion: 0, rawLeaves: false } })).cid).toBe(HELLO_CID_V0);
  });

  it.each(KUBO_VECTORS)('$size bytes, streamed in uneven pieces', async ({ size, cid, dagSize }) => {
    const added = await node.add(inPieces(patternBytes(size), 100_003));
    expect(added).toEqual({ cid, size, dagSize });
  });
});

describe('reading', () => {
  // Over two of the 4 MiB windows cat reads at a time.
  const file = randomBytes(9_000_000);
  let cid: string;
  beforeAll(async () => {
    cid = (await node.add(file)).cid;
  });

  it('cat returns the whole file', async () => {
    expect((await collect(node.cat(cid))).equals(file)).toBe(true);
  });

  it('cat with offset and length reads across chunk and window boundaries', async () => {
    for (const [offset, length] of [
      [262_144 - 10, 262_144 + 20],
      [4_194_304 - 5, 10],
      [1, 8_388_608],
    ] as const) {
      expect((await collect(node.cat(cid, { offset, length }))).equals(file.subarray(offset, offset + length))).toBe(true);
    }
    expect((await collect(node.cat(cid, { offset: 8_999_990 }))).equals(file.subarray(8_999_990))).toBe(true);
    expect((await collect(node.cat(cid, { offset: 9_000_000 }))).byteLength).toBe(0);
  });

  it('an offset past the end, or a negative one: InvalidRangeError', async () => {
    await expect(collect(node.cat(cid, { offset: 9_000_001 }))).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(collect(node.cat(cid, { offset: -1 }))).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(collect(node.cat(cid, { length: -1 }))).rejects.toBeInstanceOf(InvalidRangeError);
  });

  it('stat reports the file size and the pin', async () => {
    expect(await node.stat(cid)).toEqual({ cid, size: 9_000_000, pinned: true });
  });
});

describe('pins', () => {
  it('add pins; unpin and pin toggle it; repeating either is a no-op', async () => {
    const { cid } = await node.add(patternBytes(600_000));
    expect(await node.pinType(cid)).toBe('recursive');
    await node.unpin(cid);
    await node.unpin(cid);
    expect((await node.stat(cid)).pinned).toBe(false);
    await node.pin(cid);
    await node.pin(cid);
    expect((await node.stat(cid)).pinned).toBe(true);
    const pins: string[] = [];
    for await (const pin of node.pins()) pins.push(pin.cid);
    expect(pins).toContain(cid);
  });

  it('blocks of a pinned file are pinned through it', async () => {
    const chunk = randomBytes(262_144);
    const leaf = (await node.add(chunk, { pin: false })).cid;
    expect(await node.pinType(leaf)).toBeUndefined();
    // The same bytes open a longer file: that file's first leaf is this block.
    await node.add(Buffer.concat([chunk, Buffer.from([1])]));
    expect(await node.pinType(leaf)).toBe('indirect');
  });
});

describe('DAG-JSON blocks', () => {
  it('putBlock stores and pins the block under its CIDv1 (the block only, not what it links to)', async () => {
    const cid = await node.putBlock(LINKING_BLOCK, 'dag-json');
    expect(cid).toBe(LINKING_BLOCK_CID);
    expect(Buffer.from(await node.getBlock(cid)).equals(LINKING_BLOCK)).toBe(true);
    expect(await node.stat(cid)).toEqual({ cid, size: LINKING_BLOCK.byteLength, pinned: true });
    expect(await node.pinType(cid)).toBe('direct');
  });

  it('refuses bytes that are not DAG-JSON, and blocks over 1 MiB', async () => {
    await expect(node.putBlock(new TextEncoder().encode('{"a":'), 'dag-json')).rejects.toBeInstanceOf(InvalidBlockError);
    const big = new TextEncoder().encode(JSON.stringify({ data: 'x'.repeat(1_048_576) }));
    await expect(node.putBlock(big, 'dag-json')).rejects.toThrow(/block limit/);
  });
});

describe('errors', () => {
  it('a CID the node does not have: ContentNotFoundError from every read', async () => {
    await expect(collect(node.cat(ABSENT_CID))).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(node.stat(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(node.getBlock(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(node.pin(ABSENT_CID)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(node.unpin(ABSENT_CID)).resolves.toBeUndefined();
  });

  it('a string that is not a CID: InvalidCidError', async () => {
    await expect(node.stat('not-a-cid')).rejects.toBeInstanceOf(InvalidCidError);
    await expect(collect(node.cat('bafy!'))).rejects.toBeInstanceOf(InvalidCidError);
  });

  it('an aborted upload: UploadAbortedError, and nothing pinned', async () => {
    const controller = new AbortController();
    const bytes = patternBytes(2_000_000);
    const upload = node.add(inPieces(bytes, 65_536), {
      signal: controller.signal,
      onProgress: (total) => total >= 1_000_000 && controller.abort(new Error('user cancelled')),
    });
    await expect(upload).rejects.toBeInstanceOf(UploadAbortedError);
    const complete = await node.add(bytes, { pin: false });
    expect(await node.pinType(complete.cid)).toBeUndefined();
  });
});

it('content, pins and the peer id survive a restart', async () => {
  const persisted = tempDir('helia-restart');
  try {
    const first = await HeliaNode.open(persisted.dir);
    const { cid } = await first.add(HELLO);
    const { peerId } = first.identity;
    expect(peerId).toMatch(/^12D3KooW/);
    await first.close();

    const second = await HeliaNode.open(persisted.dir);
    try {
      expect(second.identity.peerId).toBe(peerId);
      expect(await second.stat(cid)).toEqual({ cid, size: HELLO.byteLength, pinned: true });
      expect((await collect(second.cat(cid))).toString()).toBe('hello world\n');
    } finally {
      await second.close();
    }
  } finally {
    persisted.remove();
  }
});
