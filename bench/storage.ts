/**
 * Content storage throughput and memory: a 100 MB file added and read back through the storage node (its
 * own process, reached with KuboStore over the Kubo RPC API, as the app does) and through HeliaNode in
 * process; and the node's peak RSS while it imports 1 GB, which must stay flat whatever the file size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { KuboStore, type ContentStore } from '../lib/storage';
import { HeliaNode } from '../lib/storage/helia';

export interface StorageFigure {
  name: string;
  value: number;
  unit: string;
  target?: number;
  note?: string;
}

export interface StorageBenchOptions {
  /** Size of the throughput file (default 100 MB). */
  fileBytes?: number;
  /** Size of the file imported while the node's memory is watched (default 1 GB; 0 skips it). */
  memoryFileBytes?: number;
}

const MB = 1_000_000;
const ROOT = path.resolve(__dirname, '..');
/** Added and read once before timing, so the figures are not the JIT's first steps. */
const WARM_UP_BYTES = 10 * MB;

/**
 * `size` bytes of incompressible, never-repeating data, made as it is read: each 256 KiB piece of a random
 * MiB gets a counter stamped in, so no two chunks dedupe to one block and nothing is held in memory.
 */
async function* freshBytes(size: number): AsyncGenerator<Uint8Array> {
  const pattern = randomBytes(1 << 20);
  let counter = 0;
  for (let sent = 0; sent < size; ) {
    const piece = Buffer.from(pattern.subarray(0, Math.min(pattern.byteLength, size - sent)));
    for (let offset = 0; offset < piece.byteLength; offset += 262_144) piece.writeUInt32BE(counter++ >>> 0, offset);
    sent += piece.byteLength;
    yield piece;
  }
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of source) bytes += chunk.byteLength;
  return bytes;
}

async function throughput(bytes: number, run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return Math.round((bytes / MB / ((performance.now() - started) / 1000)) * 10) / 10;
}

async function warmUp(store: Pick<ContentStore, 'add' | 'cat'>): Promise<void> {
  const { cid } = await store.add(freshBytes(WARM_UP_BYTES));
  await drain(store.cat(cid));
}

/** The storage node in a child process (through tsx), as `npm start` runs it: resolves with its URL. */
function startNodeProcess(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const code = `require('./lib/storage/node.ts').startStorageNode({ host: '127.0.0.1', port: 0, dir: process.env.DATAGORA_BENCH_DIR }).then((node) => console.log('URL ' + node.url))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, env: { ...process.env, DATAGORA_BENCH_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = output.match(/URL (\S+)/)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`the storage node exited (${code}) before listening`)));
  });
}

/** Peak resident memory of a process so far (Linux), in MB. */
function peakRssMb(pid: number): number | undefined {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return undefined;
  const kb = readFileSync(status, 'utf8').match(/VmHWM:\s+(\d+) kB/)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Measures add and cat throughput (after a 10 MB warm-up) and the node's peak memory, with stores under
 * `dir` (removed after).
 */
export async function measureStorage(dir: string, options: StorageBenchOptions = {}): Promise<StorageFigure[]> {
  const fileBytes = options.fileBytes ?? 100 * MB;
  const memoryFileBytes = options.memoryFileBytes ?? 1_000 * MB;
  const label = `${Math.round(fileBytes / MB)} MB`;
  const figures: StorageFigure[] = [];
  try {
    // In-process first: the 1 GB import last, so its disk writeback does not slow the timed runs.
    const helia = await HeliaNode.open(path.join(dir, 'helia'));
    try {
      await warmUp(helia);
      let cid = '';
      const add = await throughput(fileBytes, async () => (cid = (await helia.add(freshBytes(fileBytes))).cid));
      figures.push({ name: `add ${label}, HeliaNode in process`, value: add, unit: 'MB/s', note: 'no HTTP: the import and pin alone' });
      const cat = await throughput(fileBytes, () => drain(helia.cat(cid)));
      figures.push({ name: `cat ${label}, HeliaNode in process`, value: cat, unit: 'MB/s' });
    } finally {
      await helia.close();
    }

    const { child, url } = await startNodeProcess(path.join(dir, 'node'));
    try {
      const store = await KuboStore.connect(url, { adapter: 'helia' });
      await warmUp(store);
      let cid = '';
      const add = await throughput(fileBytes, async () => (cid = (await store.add(freshBytes(fileBytes))).cid));
      figures.push({ name: `add ${label} via the storage node`, value: add, unit: 'MB/s', note: 'KuboStore → Kubo RPC over HTTP → Helia, pinned, node in its own process' });
      const cat = await throughput(fileBytes, () => drain(store.cat(cid)));
      figures.push({ name: `cat ${label} via the storage node`, value: cat, unit: 'MB/s' });
      if (memoryFileBytes > 0) {
        const before = peakRssMb(child.pid ?? -1);
        await store.add(freshBytes(memoryFileBytes));
        const peak = peakRssMb(child.pid ?? -1);
        if (peak !== undefined) {
          figures.push({
            name: `storage node peak RSS, ${Math.round(memoryFileBytes / MB)} MB add`,
            value: peak,
            unit: 'MB',
            note: `VmHWM of the node process; ${before} MB before this add (after the ${label} runs)`,
          });
        }
      }
    } finally {
      await stopChild(child);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
