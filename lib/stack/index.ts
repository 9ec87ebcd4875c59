/**
 * The whole market in one process tree: the chain (embedded anvil or a remote RPC), the contracts on it,
 * the embedded IPFS node, the key nodes, the indexer, two provider nodes, demo data on a fresh chain and the
 * web app. Every child's log
 * lines carry its prefix; stopping the stack stops every child.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  connectPublic,
  createChain,
  DEV_ACCOUNT_COUNT,
  DEV_FUNDING,
  deployMarket,
  devAccount,
  fundDevAccounts,
  readDeployments,
  walletFor,
  writeDeployments,
  type ChainAdapter,
  type Deployments,
} from '../chain';
import type { Config } from '../config';
import { DatagoraError } from '../errors';
import { prefixedLogger } from './log';
import { assertPortFree } from '../net/ports';
import { ensureKeyNetwork } from '../access/ceremony';
import { SECOND_PROVIDER_DEV_ACCOUNT, seedDemoMarket } from '../demo';
import { claimStartLock, MarketRunningError, webAnswers } from './lock';
import { stopProcessGroup, waitUntilReady } from '../os/process';
import { spawnNode } from './process';
import { ensureProductionBuild, startWeb } from './web';
import { computeEngine } from '../compute';
import { PROVIDER_DEV_ACCOUNT } from '../compute/provider/node';

export { PortInUseError } from '../net/ports';
export { MarketRunningError } from './lock';

export interface StackOptions {
  /** `next dev` with hot reload instead of the production build. */
  dev?: boolean;
  /** Repository root (where package.json and app/ are). */
  root: string;
  /**
   * Aborts the start (Ctrl-C while it deploys, seeds or builds): what was started is stopped, a build in
   * progress is killed, and startStack rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface Stack {
  chain: ChainAdapter;
  deployments: Deployments;
  web: ChildProcess;
  /** The IPFS node and key nodes, when the configuration embeds them. */
  services: ChildProcess[];
  /** Resolves when the stack has stopped, with the reason. */
  stopped: Promise<string>;
  stop(reason: string): Promise<void>;
}

const WEB_READY_TIMEOUT_MS = 120_000;
const SERVICE_READY_TIMEOUT_MS = 60_000;

/** Contracts are missing on a remote chain. */
export class NotDeployedError extends DatagoraError {
  constructor(file: string, cause?: unknown) {
    super(`no usable deployments at ${file} for the configured chain`, 'run `datagora deploy --rpc-url … --private-key-env …` first', { cause });
  }
}

async function hasCode(rpcUrl: string, deployments: Deployments): Promise<boolean> {
  const client = await connectPublic(rpcUrl, deployments.chainId);
  const code = await client.getCode({ address: deployments.contracts.datasetRegistry });
  return code !== undefined && code !== '0x';
}

/**
 * Reuses the deployments on a kept chain; on a fresh embedded chain deploys and funds the dev accounts.
 * `fresh` tells whether it deployed.
 */
async function ensureDeployments(config: Config, log: (line: string) => void): Promise<{ deployments: Deployments; fresh: boolean }> {
  let existing: Deployments | undefined;
  try {
    existing = readDeployments(config.deploymentsFile);
    if (await hasCode(config.chain.rpcUrl, existing)) {
      log(`contracts found on chain ${existing.chainId} (deployments: ${path.relative(process.cwd(), config.deploymentsFile)})`);
      return { deployments: existing, fresh: false };
    }
  } catch (error) {
    if (config.chain.adapter === 'rpc') throw new NotDeployedError(config.deploymentsFile, error);
  }
  if (config.chain.adapter === 'rpc') throw new NotDeployedError(config.deploymentsFile);

  log(existing ? 'chain state was reset: deploying again' : 'fresh chain: deploying the market');
  const publicClient = await connectPublic(config.chain.rpcUrl);
  const admin = walletFor(publicClient, devAccount(0));
  const deployments = await deployMarket(
    { publicClient, wallet: admin },
    { feeBps: config.feeBps, stablecoin: { mock: true }, onStep: (step) => log(step) },
  );
  await fundDevAccounts(publicClient, admin, deployments);
  writeDeployments(config.deploymentsFile, deployments);
  log(`${DEV_ACCOUNT_COUNT} dev accounts (anvil's public test mnemonic, local chain only) funded with ${DEV_FUNDING} ${deployments.stablecoin.symbol} each`);
  log(`deployments written to ${config.deploymentsFile}`);
  return { deployments, fresh: true };
}

async function waitForWeb(url: string, web: ChildProcess, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + WEB_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Ctrl-C while the app compiles (next dev) or keeps failing stops the start now, not at the deadline.
    signal?.throwIfAborted();
    if (web.exitCode !== null) throw new DatagoraError(`the web app exited with code ${web.exitCode}`, 'read the [web] lines above');
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.status === 200 || response.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DatagoraError(`the web app did not answer on ${url} within ${WEB_READY_TIMEOUT_MS / 1000} s`, 'read the [web] lines above');
}

/** Environment the children read their configuration from: the same values, made absolute. */
function childEnv(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATAGORA_HOME: config.home,
    DATAGORA_DEPLOYMENTS: config.deploymentsFile,
    DATAGORA_CHAIN: config.chain.adapter,
    DATAGORA_HOST: config.web.host,
    DATAGORA_PORT: String(config.web.port),
    DATAGORA_SIWE_DOMAIN: config.siweDomain,
  };
  if (config.chain.adapter === 'anvil') env.DATAGORA_ANVIL_PORT = String(config.chain.port);
  else env.DATAGORA_RPC_URL = config.chain.rpcUrl;
  return env;
}

/** Ports the embedded services will listen on, checked before anything starts. */
async function assertServicePortsFree(config: Config): Promise<void> {
  await assertPortFree(config.web.host, config.web.port, 'DATAGORA_PORT', 'web app');
  if (config.storage.adapter === 'helia') await assertPortFree(config.storage.host, config.storage.port, 'DATAGORA_IPFS_PORT', 'IPFS node');
  if (config.keyNetwork.adapter === 'local') {
    const { host, basePort, nodes } = config.keyNetwork;
    for (let i = 0; i < nodes; i++) await assertPortFree(host, basePort + i, 'DATAGORA_KEYNODE_PORT', `key node ${i}`);
  }
  if (config.chain.adapter === 'anvil') {
    await assertPortFree(config.compute.host, config.compute.port, 'DATAGORA_PROVIDER_PORT', 'provider node');
    await assertPortFree(config.compute.host, config.compute.second.port, 'DATAGORA_SECOND_PROVIDER_PORT', 'second provider node');
  }
  await assertPortFree(config.indexer.host, config.indexer.port, 'DATAGORA_INDEXER_PORT', 'indexer');
}

async function answers(url: string, init?: RequestInit): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

/** Starts the embedded IPFS node and key nodes the configuration asks for, as children of the stack. */
async function startServices(config: Config, root: string, env: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<void> {
  const cli = path.join(root, 'bin', 'datagora');
  const waits: Promise<void>[] = [];
  if (config.storage.adapter === 'helia') {
    const child = spawnNode(cli, ['ipfs'], root, env, prefixedLogger('ipfs'));
    started.push(child);
    const api = config.storage.apiUrl;
    waits.push(waitUntilReady('ipfs', child, () => answers(`${api}/api/v0/version`, { method: 'POST' }), SERVICE_READY_TIMEOUT_MS));
  }
  if (config.keyNetwork.adapter === 'local') {
    const network = config.keyNetwork;
    await ensureKeyNetwork(network.dir, network.nodes, network.threshold, prefixedLogger('keys'));
    for (const [i, url] of network.urls.entries()) {
      const child = spawnNode(cli, ['keynode', '--index', String(i)], root, env, prefixedLogger(`key${i}`));
      started.push(child);
      waits.push(waitUntilReady(`key${i}`, child, () => answers(`${url}/health`), SERVICE_READY_TIMEOUT_MS));
    }
  }
  await Promise.all(waits);
}

/** Starts the indexer: it backfills from the deployment block, then follows the chain live. */
async function startIndexer(config: Config, root: string, env: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<void> {
  const child = spawnNode(path.join(root, 'bin', 'datagora'), ['indexer'], root, env, prefixedLogger('indexer'));
  started.push(child);
  await waitUntilReady('indexer', child, () => answers(`${config.indexer.url}/health`), SERVICE_READY_TIMEOUT_MS);
}

/**
 * Waits until the indexer has applied the chain's current head and read every metadata document, so the first
 * page view and `datagora datasets` show the whole market. A slow indexer only delays, never stops, the stack.
 */
async function waitForIndexer(config: Config, log: (line: string) => void): Promise<void> {
  const client = await connectPublic(config.chain.rpcUrl);
  const head = Number(await client.getBlockNumber());
  const deadline = Date.now() + SERVICE_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = (await fetch(`${config.indexer.url}/health`).then((r) => r.json())) as { lastBlock: number; pendingMetadata: number };
    if (status.lastBlock >= head && status.pendingMetadata === 0) {
      log(`indexed up to block ${status.lastBlock}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`still catching up with block ${head}: search and analytics fill in as it does`);
}

/** A provider node `npm start` runs: its log prefix, dev account, endpoint and what its configuration changes. */
interface StackProvider {
  name: string;
  account: number;
  url: string;
  env: Record<string, string>;
}

/**
 * The stack's two provider nodes: dev account {@link PROVIDER_DEV_ACCOUNT} as the configuration says, and dev
 * account {@link SECOND_PROVIDER_DEV_ACCOUNT} on the second port with its own key and queue, so jobs can span
 * providers on one machine.
 */
function stackProviders(config: Config): StackProvider[] {
  const { second } = config.compute;
  return [
    { name: 'provider', account: PROVIDER_DEV_ACCOUNT, url: config.compute.url, env: {} },
    {
      name: 'provider2',
      account: SECOND_PROVIDER_DEV_ACCOUNT,
      url: second.url,
      env: { DATAGORA_PROVIDER_PORT: String(second.port), DATAGORA_PROVIDER_URL: second.url, DATAGORA_PROVIDER_DIR: second.dir },
    },
  ];
}

/**
 * Starts the stack's provider nodes on the embedded chain. On a remote chain each operator runs
 * `datagora provider --private-key-env …` with their own key.
 */
async function startProviders(config: Config, root: string, env: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<void> {
  const log = prefixedLogger('provider');
  if (config.chain.adapter !== 'anvil') {
    log('not started on a remote chain: run `datagora provider --private-key-env VAR` as the provider’s operator');
    return;
  }
  const support = await computeEngine(config.compute).support();
  if (!support.ok) {
    log(`not started: ${support.reason} (${support.hint}); the market runs without compute-to-data`);
    return;
  }
  // One after the other: on a fresh chain the nodes register in this order, so their provider ids are 1 and 2.
  for (const [i, node] of stackProviders(config).entries()) {
    const nodeLog = i === 0 ? log : prefixedLogger(node.name);
    nodeLog(`dev account ${node.account}’s node on ${node.url}`);
    const child = spawnNode(path.join(root, 'bin', 'datagora'), ['provider', '--account', String(node.account)], root, { ...env, ...node.env }, nodeLog);
    started.push(child);
    await waitUntilReady(node.name, child, () => answers(`${node.url}/api/v1/health`), SERVICE_READY_TIMEOUT_MS);
  }
}

/** Starts the chain, ensures the contracts, starts the services, seeds a fresh market, starts the web app. */
export async function startStack(config: Config, options: StackOptions): Promise<Stack> {
  const stackLog = prefixedLogger('stack');
  const chainLog = prefixedLogger('chain');
  const webLog = prefixedLogger('web');

  // A second start in the same home finds the first, running or starting, before any port is found taken.
  const lock = claimStartLock(config.home, config.web.url);
  if ('holder' in lock) throw new MarketRunningError(lock.holder, await webAnswers(lock.holder.url));
  try {
    // The chain checks its own port when it starts; the others are checked first so nothing starts in vain.
    await assertServicePortsFree(config);
  } catch (error) {
    lock.release();
    throw error;
  }

  const chain = createChain(config.chain, chainLog);
  chainLog(config.chain.adapter === 'anvil' ? `starting anvil on ${config.chain.rpcUrl}` : `using ${config.chain.rpcUrl}`);
  let web: ChildProcess | undefined;
  const services: ChildProcess[] = [];
  const stopAll = async () => {
    if (web) await stopProcessGroup(web);
    await Promise.all(services.map((child) => stopProcessGroup(child)));
    await chain.stop();
    lock.release();
  };
  // Checked between the steps of the start: each is short, but for the build, which the signal kills itself.
  const step = () => options.signal?.throwIfAborted();
  try {
    await chain.start();
    const { deployments, fresh } = await ensureDeployments(config, prefixedLogger('deploy'));
    step();
    const env = childEnv(config);
    await startServices(config, options.root, env, services);
    step();
    // The providers register before the demo is seeded, so the demo's owners can allow them on their datasets;
    // they need no indexer, so they start while it does. Both settle first: a child spawned after the stop began
    // would outlive the stack.
    const starts = await Promise.allSettled([startIndexer(config, options.root, env, services), startProviders(config, options.root, env, services)]);
    for (const start of starts) if (start.status === 'rejected') throw start.reason;
    step();
    if (fresh && config.chain.adapter === 'anvil') {
      const demoLog = prefixedLogger('demo');
      demoLog('publishing the demo datasets…');
      await seedDemoMarket(config, demoLog);
      step();
    }
    await waitForIndexer(config, prefixedLogger('indexer'));
    step();
    if (!options.dev) await ensureProductionBuild(options.root, env, webLog, options.signal);
    step();
    web = startWeb(options.root, { host: config.web.host, port: config.web.port, dev: options.dev ?? false }, env, webLog);
    await waitForWeb(config.web.url, web, options.signal);

    let resolveStopped!: (reason: string) => void;
    const stopped = new Promise<string>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const stop = (reason: string) => {
      stopping ??= (async () => {
        stackLog(`stopping (${reason})…`);
        await stopAll();
        stackLog('stopped');
        resolveStopped(reason);
      })();
      return stopping;
    };
    void chain.exited?.then(() => {
      if (!stopping) void stop('the chain exited');
    });
    for (const child of services) {
      child.once('exit', (code, signal) => {
        if (!stopping) void stop(`a service exited (${signal ?? code})`);
      });
    }
    const running = web;
    running.once('exit', (code, signal) => {
      if (!stopping) void stop(`web app exited (${signal ?? code})`);
    });
    stackLog(`Datagora is running on ${config.web.url} (health: ${config.web.url}/api/health)`);
    return { chain, deployments, web: running, services, stopped, stop };
  } catch (error) {
    if (options.signal?.aborted) stackLog(`stopping (${String(options.signal.reason)}) before the market was up…`);
    await stopAll();
    if (options.signal?.aborted) stackLog('stopped');
    throw error;
  }
}
