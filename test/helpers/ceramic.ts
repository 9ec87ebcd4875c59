/**
 * A real Ceramic node for integration tests: scripts/ceramic-node/start.mjs (js-ceramic 6.11 on its own
 * js-ipfs node, network inmemory, everything on 127.0.0.1). Each call starts a fresh node on a port the OS
 * picks, so parallel jest workers never share or collide. Its dependencies live in scripts/ceramic-node
 * with their own lockfile and are installed on first use.
 *
 * The first install takes 1–2 minutes (more on a slow CI machine): call ensureCeramicNodeInstalled() in a
 * beforeAll with a long timeout, e.g. `beforeAll(ensureCeramicNodeInstalled, CERAMIC_INSTALL_TIMEOUT_MS)`.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const START_SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'ceramic-node', 'start.mjs');
/** Budget for the first-time `npm ci` of scripts/ceramic-node (about 1–2 minutes on 2 cores). */
export const CERAMIC_INSTALL_TIMEOUT_MS = 15 * 60_000;
/** An installed node is healthy in 5–10 s; leave room for a loaded machine. */
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const READY_LINE = /Ceramic node ready on (http:\/\/\S+)/;

export interface CeramicNode {
  /** The node's HTTP API, for `new CeramicClient(url)`, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Stops the node and its IPFS node and removes their state. */
  stop(): Promise<void>;
}

/** Installs the node's dependencies unless they are there (needs the npm registry the first time). */
export async function ensureCeramicNodeInstalled(): Promise<void> {
  await promisify(execFile)(process.execPath, [START_SCRIPT, '--install'], { timeout: CERAMIC_INSTALL_TIMEOUT_MS });
}

/** Starts a fresh Ceramic node (installing it first if needed) and resolves once it is healthy. */
export async function startCeramicNode(): Promise<CeramicNode> {
  await ensureCeramicNodeInstalled();
  const child = spawn(process.execPath, [START_SCRIPT, '--port', '0', '--exit-with-parent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the Ceramic node was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = output.match(READY_LINE)?.[1];
      if (ready) done(() => resolve(ready));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`the Ceramic node exited (${code ?? signal}) before it was ready:\n${output}`));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    const fail = (error: Error) => {
      child.kill('SIGTERM');
      done(() => reject(error));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining its pipes: a full pipe would block the node's logging.
  child.stdout.resume();
  child.stderr.resume();

  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // start.mjs stops Ceramic, then IPFS; its children also exit on their own once it is gone.
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}
