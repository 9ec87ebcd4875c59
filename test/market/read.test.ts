import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileError } from '@/lib/market';
import { fileChunks, fileSize } from '@/lib/market/read';
import { randomData } from '../crypto/bytes';

describe('fileChunks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-read-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(bytes: Uint8Array): string {
    const name = path.join(dir, `${Math.random().toString(36).slice(2)}.bin`);
    writeFileSync(name, bytes);
    return name;
  }

  it.each([1, 4096, 3 * 4096, 3 * 4096 + 7])('reads %i bytes in chunks of the size asked for, the last shorter', async (size) => {
    const bytes = randomData(size);
    const name = file(bytes);
    const chunks: Buffer[] = [];
    // Each chunk is copied before the next is asked for: the reader reuses its buffers.
    for await (const chunk of fileChunks(name, fileSize(name), 4096)) chunks.push(Buffer.from(chunk));
    expect(chunks.map((c) => c.length)).toEqual(Array.from({ length: Math.ceil(size / 4096) }, (_, i) => Math.min(4096, size - i * 4096)));
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('refuses a file that is not the size it had (it changed while it was read)', async () => {
    const name = file(randomData(10_000));
    const read = async (size: number) => {
      for await (const _chunk of fileChunks(name, size, 4096)) {
        // drain
      }
    };
    await expect(read(10_001)).rejects.toThrow(/changed while it was read: it was 10001 bytes, it ended after 10000/);
    await expect(read(9_000)).rejects.toThrow(/it was 9000 bytes, it has grown/);
    await expect(read(9_000)).rejects.toBeInstanceOf(FileError);
  });

  it('refuses a missing file with FileError', async () => {
    await expect(fileChunks(path.join(dir, 'missing.bin'), 1, 4096).next()).rejects.toBeInstanceOf(FileError);
    expect(() => fileSize(dir)).toThrow(FileError);
  });
});
