/**
 * CLI start-up as a user feels it: `datagora --help` and the read commands (`providers`; `datasets` from the
 * indexer, and read from the chain and IPFS when no indexer answers) against the embedded chain, IPFS node, key
 * nodes, a provider node and an indexer, beside `node -e 0` in the same run. The services sit behind recording
 * proxies, so a read command's own time (its wall time less the time it waited for answers) is told apart from
 * the services' work. CPU time (user + system, from the shell's `times`) is the figure that holds on a busy
 * machine, where wall times grow with everything else that runs.
 * p50 over RUNS runs each, after warm-up runs that also build the CLI bundle if its sources changed and write
 * each command's code cache (scripts/cli-bundle.js).
 */
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Indexer } from '../lib/indexer/indexer';
import { startIndexerServer } from '../lib/indexer/server';
import { freshDatabase } from '../test/helpers/database';
import { cliEnv } from '../test/helpers/services';
import { CLI, ROOT } from '../test/helpers/processes';
import { startComputeBed } from '../test/helpers/provider';
import type { PublishFigure } from './publish';
import { percentile } from './stats';

const RUNS = 9;
const WARM_UP = 2;
/** A read command's own time, from the issue. */
const OWN_TIME_TARGET_MS = 500;

/** Forwards to `target` and records when the first request came and how long any request was in flight. */
interface RecordingProxy {
  url: string;
  port: number;
  /** Since the last reset: when the first request arrived (performance.now()), and the time with one or more in flight. */
  firstRequestAt: number | undefined;
  waitedMs: number;
  reset(): void;
  close(): Promise<void>;
}

async function recordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  let inFlight = 0;
  let busySince = 0;
  const proxy = {
    firstRequestAt: undefined as number | undefined,
    waitedMs: 0,
    reset() {
      proxy.firstRequestAt = undefined;
      proxy.waitedMs = 0;
    },
  };
  const server: Server = createServer((incoming, outgoing) => {
    const now = performance.now();
    proxy.firstRequestAt ??= now;
    if (inFlight++ === 0) busySince = now;
    outgoing.once('close', () => {
      if (--inFlight === 0) proxy.waitedMs += performance.now() - busySince;
    });
    const forward = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.once('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** The shell runs the command, then `times` prints its children's CPU time (user, system) on stderr's last line. */
const WITH_TIMES = '"$@"; status=$?; times >&2; exit $status';
const TIMES = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/;

/** Runs `node args` to its end; resolves with its wall and CPU time (ms) and when it was spawned. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ spawnedAt: number; wallMs: number; cpuMs: number }> {
  const spawnedAt = performance.now();
  const child = spawn('/bin/sh', ['-c', WITH_TIMES, 'sh', process.execPath, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      const wallMs = performance.now() - spawnedAt;
      const times = TIMES.exec(errors);
      if (code !== 0 || !times) reject(new Error(`node ${args.join(' ')} failed (${code}):\n${(output + errors).slice(-2000)}`));
      else resolve({ spawnedAt, wallMs, cpuMs: (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1000 });
    });
  });
}

interface Samples {
  wall: number[];
  own: number[];
  cpu: number[];
  startUp: number[];
}

/** Warm-up runs, then RUNS timed runs; the proxies tell what each run waited for. */
async function sample(args: string[], env: NodeJS.ProcessEnv, proxies: RecordingProxy[] = []): Promise<Samples> {
  const samples: Samples = { wall: [], own: [], cpu: [], startUp: [] };
  for (let run = -WARM_UP; run < RUNS; run++) {
    for (const proxy of proxies) proxy.reset();
    const { spawnedAt, wallMs, cpuMs } = await timed(args, env);
    if (run < 0) continue;
    const firsts = proxies.map((proxy) => proxy.firstRequestAt).filter((at) => at !== undefined);
    samples.wall.push(wallMs);
    samples.own.push(wallMs - proxies.reduce((sum, proxy) => sum + proxy.waitedMs, 0));
    samples.cpu.push(cpuMs);
    if (firsts.length > 0) samples.startUp.push(Math.min(...firsts) - spawnedAt);
  }
  return samples;
}

const p50 = (values: number[]) => Math.round(percentile(values, 0.5));

export async function measureCli(): Promise<PublishFigure[]> {
  const baseline = await sample(['-e', '0'], process.env);
  const node = { wall: p50(baseline.wall), cpu: p50(baseline.cpu) };
  const times = (value: number, of: number) => `${(value / of).toFixed(1)}× node -e 0`;
  const help = await sample([CLI, '--help'], process.env);
  const figures: PublishFigure[] = [
    { name: `node -e 0 (baseline, p50 of ${RUNS}): wall`, value: node.wall, unit: 'ms' },
    { name: 'node -e 0: CPU time', value: node.cpu, unit: 'ms' },
    { name: 'datagora --help: wall', value: p50(help.wall), unit: 'ms', note: times(p50(help.wall), node.wall) },
    { name: 'datagora --help: CPU time', value: p50(help.cpu), unit: 'ms', note: times(p50(help.cpu), node.cpu) },
  ];

  // A registered provider and a compute-only dataset, so every read command has something to list.
  const bed = await startComputeBed();
  const { config } = bed.services;
  const database = await freshDatabase('pglite');
  const indexer = await Indexer.open({ ...config, indexer: { ...config.indexer, database: database.config } });
  const rpc = await recordingProxy(config.chain.rpcUrl);
  const ipfs = await recordingProxy(config.storage.apiUrl);
  const proxies = [rpc, ipfs];
  try {
    await indexer.catchUp();
    const server = await startIndexerServer(indexer, '127.0.0.1', 0);
    const indexerProxy = await recordingProxy(server.url);
    proxies.push(indexerProxy);
    const env = { ...process.env, ...cliEnv(config), DATAGORA_RPC_URL: rpc.url, DATAGORA_IPFS_PORT: String(ipfs.port) };
    const reads: [name: string, args: string[], env: NodeJS.ProcessEnv, note: string][] = [
      ['providers', ['providers'], env, 'chain reads'],
      ['datasets', ['datasets'], { ...env, DATAGORA_INDEXER_URL: indexerProxy.url }, 'one search on the indexer'],
      // cliEnv's indexer port has nothing listening: the CLI falls back to the chain.
      ['datasets (no indexer)', ['datasets'], env, 'every dataset from the chain and its metadata from IPFS'],
    ];
    try {
      for (const [name, args, commandEnv, note] of reads) {
        const read = await sample([CLI, ...args], commandEnv, proxies);
        const [wall, own, cpu] = [p50(read.wall), p50(read.own), p50(read.cpu)];
        figures.push(
          { name: `datagora ${name}: wall`, value: wall, unit: 'ms', note: `${times(wall, node.wall)}; ${note}` },
          { name: `datagora ${name}: own time (wall less waiting for the services)`, value: own, unit: 'ms', target: OWN_TIME_TARGET_MS, note: times(own, node.wall) },
          { name: `datagora ${name}: CPU time`, value: cpu, unit: 'ms', note: times(cpu, node.cpu) },
          { name: `datagora ${name}: start-up (until its first request)`, value: p50(read.startUp), unit: 'ms' },
        );
      }
    } finally {
      await server.stop();
    }
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await indexer.stop();
    await database.drop();
    await bed.stop();
  }
  return figures;
}
