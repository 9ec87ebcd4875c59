import v8 from 'node:v8';
import vm from 'node:vm';
import { createSha256, decryptStream, encryptStream, generateDataKey, tapSha256 } from '@/lib/crypto';
import { randomData } from './bytes';

const TOTAL = 200 * 1024 * 1024;
const MiB = 1024 * 1024;

/**
 * The collector, for this test alone: what the stream holds is measured after a collection, so garbage the collector
 * has not reached yet (more of it on a loaded machine) does not count as memory held.
 */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('encrypt → decrypt of 200 MB', () => {
  it('streams in constant memory and returns the same bytes', async () => {
    const gc = collector();
    const key = generateDataKey();
    const block = randomData(MiB + 7); // odd size, so pieces straddle chunk boundaries
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      for (let sent = 0; sent < TOTAL; sent += block.length) yield block.subarray(0, Math.min(block.length, TOTAL - sent));
    }
    const held = () => {
      gc();
      return process.memoryUsage();
    };
    const before = held();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;

    const input = tapSha256(plaintext());
    const output = createSha256();
    let size = 0;
    let measured = 0;
    for await (const chunk of decryptStream(key, encryptStream(key, input))) {
      output.update(chunk);
      size += chunk.length;
      // Every 8 MiB, mid-stream: what the pipeline holds then, with its chunks in flight.
      if (size - measured < 8 * MiB) continue;
      measured = size;
      const now = held();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    }

    expect(size).toBe(TOTAL);
    expect(measured).toBeGreaterThan(TOTAL - 8 * MiB);
    expect(Buffer.from(output.digest()).toString('hex')).toBe(input.hex());
    // Holding the stream would take ≥ 200 MiB; the chunks in flight measured a few MiB of ArrayBuffers.
    expect(peakBuffers - before.arrayBuffers).toBeLessThan(64 * MiB);
    expect(peakHeap - before.heapUsed).toBeLessThan(32 * MiB);
    expect(peakRss - before.rss).toBeLessThan(160 * MiB);
  });
});
