/**
 * A real Kubo RPC API daemon for the adapter tests. No Kubo binary installs offline, so this is js-ipfs
 * 0.66 (same RPC API, same importer), kept in test/kubo-daemon with its own lockfile so its old
 * dependency tree never touches the app's. Installed on first use with `npm ci`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './fixtures';

const DAEMON_DIR = path.resolve(__dirname, '..', 'kubo-daemon');
const CLI = path.join(DAEMON_DIR, 'node_modules', 'ipfs', 'src', 'cli.js');
/** Promise.withResolvers for js-ipfs's dependencies on Node 20. */
const POLYFILL = path.resolve(__dirname, '..', '..', 'scripts', 'with-resolvers.mjs');
const READY_TIMEOUT_MS = 30_000;

export interface KuboDaemon {
  /** The RPC API's base URL, e.g. http://127.0.0.1:41234. */
  apiUrl: string;
  stop(): Promise<void>;
}

/** Installs the daemon from its lockfile unless it is there (a few minutes the first time; needs the npm registry). */
export async function ensureKuboDaemonInstalled(): Promise<void> {
  if (existsSync(CLI)) return;
  await promisify(execFile)('npm', ['ci', '--prefix', DAEMON_DIR, '--ignore-scripts', '--no-audit', '--no-fund'], { timeout: 600_000 });
}

function jsipfs(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the child's output once it matches `pattern`; rejects if the child exits first or on timeout. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`js-ipfs printed no ${pattern} within ${READY_TIMEOUT_MS / 1000} s:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) done(() => resolve(output));
    };
    const onExit = (code: number | null) => fail(new Error(`js-ipfs exited (${code}) before ${pattern}:\n${output}`));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    const fail = (error: Error) => done(() => reject(error));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(kill);
}

/**
 * Starts an offline js-ipfs daemon on a fresh repo. The `test` profile puts the API, gateway and swarm on
 * port 0 (the OS picks a free one, so parallel runs never collide); the gRPC endpoint too, set here.
 */
export async function startKuboDaemon(): Promise<KuboDaemon> {
  await ensureKuboDaemonInstalled();
  const repo = tempDir('jsipfs');
  const env = { ...process.env, IPFS_PATH: repo.dir, NODE_OPTIONS: `--import ${POLYFILL}` };
  try {
    const init = jsipfs(['init', '--profile', 'test'], env);
    const initialised = new Promise((resolve) => init.once('exit', resolve));
    await waitForOutput(init, /to get started/);
    await initialised;
    const configFile = path.join(repo.dir, 'config');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { Addresses: Record<string, unknown> };
    config.Addresses.RPC = '/ip4/127.0.0.1/tcp/0';
    writeFileSync(configFile, JSON.stringify(config, null, 2));

    const daemon = jsipfs(['daemon', '--offline'], env);
    const output = await waitForOutput(daemon, /Daemon is ready/).catch(async (error: unknown) => {
      await stopChild(daemon);
      throw error;
    });
    const port = output.match(/HTTP API listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)\/http/)?.[1];
    if (!port) {
      await stopChild(daemon);
      throw new Error(`js-ipfs is ready but printed no HTTP API address:\n${output}`);
    }
    return {
      apiUrl: `http://127.0.0.1:${port}`,
      stop: async () => {
        await stopChild(daemon);
        repo.remove();
      },
    };
  } catch (error) {
    repo.remove();
    throw error;
  }
}
