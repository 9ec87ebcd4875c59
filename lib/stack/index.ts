/**
 * The whole market in one process tree: the chain (embedded anvil or a remote RPC), the contracts on it,
 * and the web app. Every child's log lines carry its prefix; stopping the stack stops every child.
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
import { ensureProductionBuild, startWeb, stopProcessGroup } from './web';

export { PortInUseError } from '../net/ports';

export interface StackOptions {
  /** `next dev` with hot reload instead of the production build. */
  dev?: boolean;
  /** Repository root (where package.json and app/ are). */
  root: string;
}

export interface Stack {
  chain: ChainAdapter;
  deployments: Deployments;
  web: ChildProcess;
  /** Resolves when the stack has stopped, with the reason. */
  stopped: Promise<string>;
  stop(reason: string): Promise<void>;
}

const WEB_READY_TIMEOUT_MS = 120_000;

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

/** Reuses the deployments on a kept chain; on a fresh embedded chain deploys and funds the dev accounts. */
async function ensureDeployments(config: Config, log: (line: string) => void): Promise<Deployments> {
  let existing: Deployments | undefined;
  try {
    existing = readDeployments(config.deploymentsFile);
    if (await hasCode(config.chain.rpcUrl, existing)) {
      log(`contracts found on chain ${existing.chainId} (deployments: ${path.relative(process.cwd(), config.deploymentsFile)})`);
      return existing;
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
  return deployments;
}

async function waitForWeb(url: string, web: ChildProcess): Promise<void> {
  const deadline = Date.now() + WEB_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
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

/** Environment the web app's process reads its configuration from: the same values, made absolute. */
function webEnv(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATAGORA_HOME: config.home,
    DATAGORA_DEPLOYMENTS: config.deploymentsFile,
    DATAGORA_CHAIN: config.chain.adapter,
    DATAGORA_HOST: config.web.host,
    DATAGORA_PORT: String(config.web.port),
  };
  if (config.chain.adapter === 'anvil') env.DATAGORA_ANVIL_PORT = String(config.chain.port);
  else env.DATAGORA_RPC_URL = config.chain.rpcUrl;
  return env;
}

/** Starts the chain, ensures the contracts, builds and starts the web app. */
export async function startStack(config: Config, options: StackOptions): Promise<Stack> {
  const stackLog = prefixedLogger('stack');
  const chainLog = prefixedLogger('chain');
  const webLog = prefixedLogger('web');

  // The chain checks its own port when it starts; the web port is checked first so nothing starts in vain.
  await assertPortFree(config.web.host, config.web.port, 'DATAGORA_PORT', 'web app');

  const chain = createChain(config.chain, chainLog);
  chainLog(config.chain.adapter === 'anvil' ? `starting anvil on ${config.chain.rpcUrl}` : `using ${config.chain.rpcUrl}`);
  await chain.start();
  let web: ChildProcess | undefined;
  const stopAll = async () => {
    if (web) await stopProcessGroup(web);
    await chain.stop();
  };
  try {
    const deployments = await ensureDeployments(config, prefixedLogger('deploy'));
    const env = webEnv(config);
    if (!options.dev) await ensureProductionBuild(options.root, env, webLog);
    web = startWeb(options.root, { host: config.web.host, port: config.web.port, dev: options.dev ?? false }, env, webLog);
    await waitForWeb(config.web.url, web);

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
    const running = web;
    running.once('exit', (code, signal) => {
      if (!stopping) void stop(`web app exited (${signal ?? code})`);
    });
    stackLog(`Datagora is running on ${config.web.url} (health: ${config.web.url}/api/health)`);
    return { chain, deployments, web: running, stopped, stop };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
