import { createSha256, decryptStream, encryptStream, generateDataKey, tapSha256 } from '@/lib/crypto';
import { randomData } from './bytes';

const TOTAL = 200 * 1024 * 1024;
const MiB = 1024 * 1024;

describe('encrypt → decrypt of 200 MB', () => {
  it('streams in constant memory and returns the same bytes', async () => {
    const key = generateDataKey();
    const block = randomData(MiB + 7); // odd size, so pieces straddle chunk boundaries
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      for (let sent = 0; sent < TOTAL; sent += block.length) yield block.subarray(0, Math.min(block.length, TOTAL - sent));
    }
    const memory = () => process.memoryUsage();
    const before = memory();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;

    const input = tapSha256(plaintext());
    const output = createSha256();
    let size = 0;
    for await (const chunk of decryptStream(key, encryptStream(key, input))) {
      output.update(chunk);
      size += chunk.length;
      const now = memory();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    }

    expect(size).toBe(TOTAL);
    expect(Buffer.from(output.digest()).toString('hex')).toBe(input.hex());
    // Holding the stream would take ≥ 200 MiB; the chunks in flight and garbage not yet collected measured
    // ~20 MiB of ArrayBuffers and ~60 MiB of RSS growth.
    expect(peakBuffers - before.arrayBuffers).toBeLessThan(64 * MiB);
    expect(peakHeap - before.heapUsed).toBeLessThan(32 * MiB);
    expect(peakRss - before.rss).toBeLessThan(160 * MiB);
  });
});
