/**
 * The market's off-chain services for integration tests, in process and on free ports: a test chain with
 * the contracts, the embedded IPFS node, a key ceremony and n key nodes — the real components `npm start`
 * runs, plus the Config that points the SDK at them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LocalAccount } from 'viem';
import { ensureKeyNetwork } from '@/lib/access/ceremony';
import { startKeyNode } from '@/lib/access/node';
import { devAccount, writeDeployments } from '@/lib/chain';
import { loadConfig, type Config } from '@/lib/config';
import { Market } from '@/lib/market';
import { stopProcessGroup, waitUntilReady } from '@/lib/os/process';
import { spawnNode } from '@/lib/stack/process';
import { startStorageNode } from '@/lib/storage/node';
import { startTestMarket, type TestMarket } from './market';
import { CLI, ROOT } from './processes';

export interface TestServices {
  chain: TestMarket;
  config: Config;
  home: string;
  /** Writes `content` to `name` under home and returns its path: a file to publish. */
  file(name: string, content: string): string;
  /** A market SDK acting as dev account `index` (closed by stop()). */
  market(index: number): Promise<Market>;
  account(index: number): LocalAccount;
  stopKeyNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (key nodes listen on basePort + i). */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await portFree(base + i);
    if (free) return base;
  }
}

/** Environment that points the `datagora` CLI at these services. */
export function cliEnv(config: Config): Record<string, string> {
  return {
    DATAGORA_HOME: config.home,
    DATAGORA_CHAIN: 'rpc',
    DATAGORA_RPC_URL: config.chain.rpcUrl,
    DATAGORA_IPFS_PORT: new URL(config.storage.apiUrl).port,
    DATAGORA_KEYNODE_PORT: config.keyNetwork.adapter === 'local' ? String(config.keyNetwork.basePort) : '',
    DATAGORA_SIWE_DOMAIN: config.siweDomain,
    DATAGORA_PROVIDER_PORT: String(config.compute.port),
    DATAGORA_INDEXER_PORT: String(config.indexer.port),
    DATAGORA_METADATA: config.metadata.adapter,
    DATAGORA_CERAMIC_URL: config.metadata.adapter === 'ceramic' ? config.metadata.url : '',
  };
}

/** The embedded IPFS node as its own `datagora ipfs` process, as `npm start` runs it. */
async function spawnStorageNode(config: Config): Promise<{ stop(): Promise<void> }> {
  const child = spawnNode(CLI, ['ipfs'], ROOT, { ...process.env, ...cliEnv(config) }, () => undefined);
  const api = `${config.storage.apiUrl}/api/v0/version`;
  await waitUntilReady('ipfs', child, () => fetch(api, { method: 'POST' }).then((r) => r.ok), 30_000);
  return { stop: () => stopProcessGroup(child) };
}

/**
 * Starts everything a market flow needs; `stop()` tears it all down and deletes the state. The IPFS node
 * runs in this process unless `storageProcess` (benchmarks: the node must not share the client's thread).
 * `env` adds configuration, such as another metadata adapter.
 */
export async function startTestServices(options: { keyNodes?: number; threshold?: number; storageProcess?: boolean; env?: Record<string, string> } = {}): Promise<TestServices> {
  const nodes = options.keyNodes ?? 3;
  const threshold = options.threshold ?? 2;
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-services-'));
  const chain = await startTestMarket();
  const stops: (() => Promise<void>)[] = [() => chain.stop()];
  const markets: Market[] = [];
  const keyNodeStops = new Map<number, () => Promise<void>>();
  try {
    const ipfsPort = await freePorts(1);
    const keyBase = await freePorts(nodes);
    const providerPort = await freePorts(1);
    // No indexer listens here unless a test starts one: the CLI then falls back to the chain.
    const indexerPort = await freePorts(1);
    const config = loadConfig({
      DATAGORA_HOME: home,
      DATAGORA_CHAIN: 'rpc',
      DATAGORA_RPC_URL: chain.chain.rpcUrl,
      DATAGORA_IPFS_PORT: String(ipfsPort),
      DATAGORA_KEYNODES: String(nodes),
      DATAGORA_KEYNODE_THRESHOLD: String(threshold),
      DATAGORA_KEYNODE_PORT: String(keyBase),
      DATAGORA_PROVIDER_PORT: String(providerPort),
      DATAGORA_INDEXER_PORT: String(indexerPort),
      ...options.env,
    });
    writeDeployments(config.deploymentsFile, chain.deployments);
    if (config.storage.adapter !== 'helia' || config.keyNetwork.adapter !== 'local') throw new Error('test services need the embedded adapters');
    const storage = options.storageProcess
      ? await spawnStorageNode(config)
      : await startStorageNode({ host: config.storage.host, port: config.storage.port, dir: config.storage.dir });
    stops.push(() => storage.stop());
    const network = config.keyNetwork;
    await ensureKeyNetwork(network.dir, network.nodes, network.threshold);
    for (let i = 0; i < nodes; i++) {
      const node = await startKeyNode({
        index: i,
        dir: network.dir,
        host: network.host,
        port: network.basePort + i,
        rpcUrl: chain.chain.rpcUrl,
        chainId: chain.deployments.chainId,
        siweDomain: config.siweDomain,
      });
      keyNodeStops.set(i, () => node.stop());
    }
    const stopKeyNode = async (index: number) => {
      await keyNodeStops.get(index)?.();
      keyNodeStops.delete(index);
    };
    return {
      chain,
      config,
      home,
      file(name, content) {
        const target = path.join(home, name);
        writeFileSync(target, content);
        return target;
      },
      account: devAccount,
      async market(index) {
        const market = await Market.open(config, { account: devAccount(index) });
        markets.push(market);
        return market;
      },
      stopKeyNode,
      async stop() {
        await Promise.all(markets.map((m) => m.close()));
        await Promise.all([...keyNodeStops.keys()].map(stopKeyNode));
        for (const stop of stops.reverse()) await stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...keyNodeStops.values()].map((stop) => stop()));
    for (const stop of stops.reverse()) await stop();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
