#!/usr/bin/env node
/**
 * A real js-ceramic node, offline: the Ceramic daemon (@ceramicnetwork/cli, network "inmemory", in-memory
 * anchoring) on its own js-ipfs node, both bound to 127.0.0.1. ceramic-one, the supported node, is a Rust
 * binary that cannot be installed here; the legacy js-ceramic line speaks the same HTTP API to
 * @ceramicnetwork/http-client.
 *
 * Usage: node scripts/ceramic-node/start.mjs [--port 7007] [--dir <state dir>] [--verbose]
 *        node scripts/ceramic-node/start.mjs --install   (install the dependencies and exit)
 *
 * --port 0 picks a free port. Without --dir the state lives in a temporary directory removed on exit.
 * --exit-with-parent (for test helpers): also stop when the process that started this one is gone.
 * Prints one line once `GET /api/v0/node/healthcheck` answers 200, then runs until SIGINT or SIGTERM.
 * Plain Node on purpose: it installs this folder's dependencies (own lockfile, never the app's) on first
 * use, so it cannot import them at the top.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const FOLDER = path.dirname(fileURLToPath(import.meta.url));
const LOCKFILE = path.join(FOLDER, 'package-lock.json');
/** Written after a successful `npm ci`, holding the lockfile's hash: a half-finished install never counts. */
const INSTALLED_MARKER = path.join(FOLDER, 'node_modules', '.datagora-installed');
const CERAMIC_CLI = path.join(FOLDER, 'node_modules', '@ceramicnetwork', 'cli');
/**
 * Loaded into both children: Promise.withResolvers for Node 20 (shared with the Kubo test daemon, one folder
 * up), and exit when start.mjs is gone.
 */
const CHILD_PRELOADS = ['../with-resolvers.mjs', 'exit-with-parent.mjs'];
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const IPFS_READY_TIMEOUT_MS = 60_000;
const CERAMIC_READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 20_000;
const ANSI_ESCAPES = /\x1b\[[0-9;]*m/g;
/** Ceramic's LogLevel: 2 = important (start-up, errors), 3 = warnings only. */
const LOG_LEVEL_IMPORTANT = 2;

class StartError extends Error {}

function usage() {
  return 'usage: node scripts/ceramic-node/start.mjs [--port 7007] [--dir <state dir>] [--verbose] [--exit-with-parent] | --install';
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '7007' },
        dir: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'exit-with-parent': { type: 'boolean', default: false },
        install: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new StartError(`${error.message}\n${usage()}`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new StartError(`--port must be 0–65535, got ${values.port}\n${usage()}`);
  return { port, dir: values.dir && path.resolve(values.dir), verbose: values.verbose, exitWithParent: values['exit-with-parent'], installOnly: values.install, help: values.help };
}

// ---------------------------------------------------------------------------------------------------------
// Install on first use

function lockfileHash() {
  return createHash('sha256').update(readFileSync(LOCKFILE)).digest('hex');
}

function isInstalled() {
  return existsSync(INSTALLED_MARKER) && readFileSync(INSTALLED_MARKER, 'utf8') === lockfileHash();
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds a lock file (our pid inside) while `fn` runs, so parallel test workers install once; a lock left
 * by a dead process is taken over. The lock appears with its content at once (hard link of a written file).
 */
async function withInstallLock(fn) {
  const lock = path.join(os.tmpdir(), `datagora-ceramic-node-${createHash('sha256').update(FOLDER).digest('hex').slice(0, 12)}.lock`);
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  let told = false;
  try {
    for (;;) {
      try {
        linkSync(mine, lock);
        break;
      } catch (error) {
        if (error.code !== 'EEXIST') throw error;
      }
      let holder;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch (error) {
        if (error.code === 'ENOENT') continue; // released meanwhile
        throw error;
      }
      if (holder && isAlive(holder)) {
        if (!told) process.stderr.write(`Waiting for another install of the Ceramic node (pid ${holder})…\n`);
        told = true;
        await sleep(1_000);
      } else {
        rmSync(lock, { force: true });
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** `npm ci` of this folder unless the lockfile's tree is already there; npm's output goes to stderr. */
async function ensureInstalled() {
  if (isInstalled()) return;
  await withInstallLock(async () => {
    if (isInstalled()) return;
    process.stderr.write('Installing the Ceramic node (first use: about 1–2 minutes)…\n');
    // --ignore-scripts: no install script is needed (classic-level ships prebuilt binaries; sqlite3 would
    // compile for minutes, and indexing is off), and npm 11 skips unlisted scripts anyway.
    const npm = spawn('npm', ['ci', '--prefix', FOLDER, '--ignore-scripts', '--no-audit', '--no-fund'], {
      stdio: ['ignore', process.stderr, process.stderr],
      timeout: INSTALL_TIMEOUT_MS,
    });
    const code = await new Promise((resolve, reject) => {
      npm.once('error', reject);
      npm.once('exit', (exitCode, signal) => resolve(exitCode ?? signal));
    });
    if (code !== 0) throw new StartError(`npm ci --prefix ${FOLDER} failed (${code}); it needs the npm registry`);
    writeFileSync(INSTALLED_MARKER, lockfileHash());
  });
}

// ---------------------------------------------------------------------------------------------------------
// Children

/** A free TCP port on 127.0.0.1 (the OS picks when `port` is 0); throws if `port` is taken. */
function claimPort(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(error.code === 'EADDRINUSE' ? new StartError(`port ${port} on 127.0.0.1 is in use: pass another --port, or --port 0`) : error),
    );
    server.listen({ host: '127.0.0.1', port }, () => {
      const { port: claimed } = server.address();
      server.close(() => resolve(claimed));
    });
  });
}

/**
 * Spawns `node <preloads> args…` in this folder, keeping the tail of its output for error reports (and
 * echoing it to stderr when verbose). Its stdin stays an open pipe: exit-with-parent.mjs ends the child when
 * the pipe closes, i.e. when this process dies, however it dies.
 */
function spawnChild(name, args, { preloads = [], env, verbose }) {
  const imports = [...CHILD_PRELOADS, ...preloads].flatMap((file) => ['--import', path.join(FOLDER, file)]);
  const child = spawn(process.execPath, [...imports, ...args], { cwd: FOLDER, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  const onOutput = (chunk) => {
    // Ceramic's logger colours every line; the tail is for error messages, so without escape codes.
    tail = (tail + chunk.toString('utf8').replace(ANSI_ESCAPES, '')).slice(-OUTPUT_TAIL_CHARS);
    if (verbose) process.stderr.write(chunk);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { name, process: child, exited, output: () => tail };
}

function isRunning(child) {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** Ctrl-C to the child (both shut down cleanly on SIGINT), SIGKILL after a grace period. */
async function stopChild(child) {
  if (!isRunning(child)) return;
  child.process.kill('SIGINT');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

function childDied(child, code) {
  return new StartError(`${child.name} exited (${code}); its last output:\n${child.output().trimEnd()}`);
}

/** Resolves with `fn()`'s truthy result, polling; rejects when `child` exits first or on timeout. */
async function waitFor(child, what, timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await fn();
    if (result) return result;
    if (!isRunning(child)) throw childDied(child, await child.exited);
    if (Date.now() > deadline) throw new StartError(`${child.name} was not ${what} after ${timeoutMs / 1000} s; its last output:\n${child.output().trimEnd()}`);
    await sleep(200);
  }
}

/** Whether the healthcheck answers 200. node:http, not fetch: fetch refuses "bad ports" such as 22 or 6000. */
function healthy(url) {
  return new Promise((resolve) => {
    const request = get(`${url}/api/v0/node/healthcheck`, { timeout: 5_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

/** The daemon's config file (see DaemonConfig in @ceramicnetwork/cli/lib/daemon-config.js). */
function ceramicConfig({ port, ipfsUrl, stateDir }) {
  return {
    // No anchor service URL: the inmemory network anchors in process.
    anchor: {},
    'http-api': { hostname: '127.0.0.1', port, 'cors-allowed-origins': ['.*'], 'admin-dids': [] },
    ipfs: { mode: 'remote', host: ipfsUrl },
    logger: { 'log-level': LOG_LEVEL_IMPORTANT, 'log-to-files': false, 'log-directory': path.join(stateDir, 'logs') },
    metrics: { 'metrics-exporter-enabled': false, 'metrics-publisher-enabled': false, 'prometheus-exporter-enabled': false },
    network: { name: 'inmemory' },
    // No private seed: the node publishes nothing of its own, so it needs no DID.
    node: {},
    'state-store': { mode: 'fs', 'local-directory': path.join(stateDir, 'statestore') },
    // ComposeDB indexing would need sqlite3 (a native build of minutes) or Postgres: off. Streams load,
    // create and update by id; model-wide queries (index.query) answer empty.
    indexing: { db: `sqlite://${path.join(stateDir, 'indexing.sqlite')}`, 'disable-composedb': true, 'enable-historical-sync': false, 'allow-queries-before-historical-sync': true },
  };
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const options = parseOptions();
  if (options.help) {
    console.log(usage());
    return;
  }
  await ensureInstalled();
  if (options.installOnly) return;

  const ceramicVersion = JSON.parse(readFileSync(path.join(CERAMIC_CLI, 'package.json'), 'utf8')).version;
  const port = await claimPort(options.port);
  const stateDir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'datagora-ceramic-node-'));
  mkdirSync(stateDir, { recursive: true });
  const children = [];
  let stopping = false;

  const shutdown = async (exitCode, message) => {
    if (stopping) return;
    stopping = true;
    if (message) process.stderr.write(`${message}\n`);
    // Ceramic first: it still talks to IPFS while closing.
    for (const child of [...children].reverse()) await stopChild(child);
    if (!options.dir) rmSync(stateDir, { recursive: true, force: true });
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
  if (options.exitWithParent) {
    // An orphan is re-parented (to init or a subreaper), so a changed ppid means the parent is gone.
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && void shutdown(1, 'The parent process is gone: stopping the Ceramic node.'), 1_000).unref();
  }
  // Last resort (an exception after start-up): never leave a child behind.
  process.on('exit', () => {
    for (const child of children) if (isRunning(child)) child.process.kill('SIGKILL');
  });
  const watch = (child) =>
    void child.exited.then((code) => {
      if (!stopping) void shutdown(1, childDied(child, code).message);
    });

  try {
    const ipfs = spawnChild('js-ipfs', [path.join(FOLDER, 'ipfs-node.mjs'), path.join(stateDir, 'ipfs')], { verbose: options.verbose });
    children.push(ipfs);
    const ipfsUrl = await waitFor(ipfs, 'ready', IPFS_READY_TIMEOUT_MS, () => ipfs.output().match(/IPFS API ready on (http:\/\/\S+)/)?.[1]);
    watch(ipfs);

    const configFile = path.join(stateDir, 'daemon.config.json');
    writeFileSync(configFile, JSON.stringify(ceramicConfig({ port, ipfsUrl, stateDir }), null, 2));
    const ceramic = spawnChild('ceramic daemon', [path.join(CERAMIC_CLI, 'bin', 'ceramic.js'), 'daemon', '--config', configFile], {
      preloads: ['fast-anchoring.mjs'],
      // IPFS_FLAVOR=go: talk to a Kubo-style RPC API (the default expects ceramic-one). The rest silences an
      // aws-sdk v2 end-of-support notice and analytics (there is no network to send them to anyway).
      env: { IPFS_FLAVOR: 'go', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' },
      verbose: options.verbose,
    });
    children.push(ceramic);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(ceramic, 'healthy', CERAMIC_READY_TIMEOUT_MS, () => healthy(url));
    watch(ceramic);
    console.log(`Ceramic node ready on ${url} (network inmemory, js-ceramic ${ceramicVersion}, IPFS ${ipfsUrl})`);
  } catch (error) {
    await shutdown(1, error instanceof StartError ? error.message : error.stack);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof StartError ? error.message : error.stack}\n`);
  process.exit(1);
});
