/**
 * Health of the running market: one entry per component, each with its own status and details.
 * Components report in parallel; the market is "ok" only when every component is.
 */
import { openKeyNetwork } from '../access';
import { connectPublic, readDeployments } from '../chain';
import type { Config } from '../config';
import { CeramicMetadataStore } from '../metadata';
import { openStore } from '../storage';

export type Status = 'ok' | 'error';

export interface ComponentHealth {
  status: Status;
  /** What the component reports about itself (chain id, block, addresses…) or the error. */
  details: Record<string, unknown>;
}

export interface Health {
  status: Status;
  components: Record<string, ComponentHealth>;
}

async function probe(check: () => Promise<Record<string, unknown>>): Promise<ComponentHealth> {
  try {
    return { status: 'ok', details: await check() };
  } catch (error) {
    return { status: 'error', details: { error: error instanceof Error ? error.message : String(error) } };
  }
}

/** The chain answers, with the id and block height it reports. */
function chainHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const client = await connectPublic(config.chain.rpcUrl);
    const block = await client.getBlock();
    return {
      adapter: config.chain.adapter,
      rpcUrl: config.chain.rpcUrl,
      chainId: client.chain.id,
      blockNumber: Number(block.number),
      blockTimestamp: new Date(Number(block.timestamp) * 1000).toISOString(),
    };
  });
}

/** The deployments file is valid, matches the chain, and every contract has code. */
function contractsHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const deployments = readDeployments(config.deploymentsFile);
    const client = await connectPublic(config.chain.rpcUrl, deployments.chainId);
    const addresses = { ...deployments.contracts, stablecoin: deployments.stablecoin.address };
    const missing: string[] = [];
    await Promise.all(
      Object.entries(addresses).map(async ([name, address]) => {
        const code = await client.getCode({ address });
        if (!code || code === '0x') missing.push(name);
      }),
    );
    if (missing.length > 0) throw new Error(`no contract code for ${missing.join(', ')} on chain ${deployments.chainId}`);
    return {
      chainId: deployments.chainId,
      addresses,
      stablecoin: deployments.stablecoin.symbol,
      feeBps: deployments.feeBps,
      startBlock: deployments.startBlock,
    };
  });
}

/** The IPFS node (embedded Helia or Kubo) answers its RPC API. */
function storageHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const store = await openStore(config.storage);
    try {
      return { adapter: config.storage.adapter, ...(await store.health()) };
    } finally {
      await store.close();
    }
  });
}

/** Where documents live: in content storage (checked above), or on a Ceramic node that holds the Datagora model. */
function metadataHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const metadata = config.metadata;
    if (metadata.adapter === 'ipfs') return { adapter: 'ipfs', storage: config.storage.apiUrl };
    const store = new CeramicMetadataStore({ url: metadata.url, siweDomain: config.siweDomain, origin: () => Promise.reject(new Error('a health check reads no dataset')) });
    return { adapter: 'ceramic', ...(await store.health()) };
  });
}

/** One local key node answers and serves the configured chain. */
function keyNodeHealth(url: string): Promise<ComponentHealth> {
  return probe(async () => {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) }).catch((cause: unknown) => {
      throw new Error(`no key node answers at ${url}`, { cause });
    });
    if (!response.ok) throw new Error(`${url}/health answered ${response.status}`);
    return { url, ...((await response.json()) as Record<string, unknown>) };
  });
}

/** The real Lit network can be reached. */
function litHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const keys = await openKeyNetwork(config, readDeployments(config.deploymentsFile));
    try {
      return await keys.health();
    } finally {
      await keys.close();
    }
  });
}

/** Health checks of the key network: one per local node, or one for the Lit network. */
function keyNetworkChecks(config: Config): Record<string, Promise<ComponentHealth>> {
  const network = config.keyNetwork;
  if (network.adapter === 'lit') return { keynetwork: litHealth(config) };
  return Object.fromEntries(network.urls.map((url, i) => [`keynode${i}`, keyNodeHealth(url)]));
}

/** The compute provider node at `url` answers, with its provider id, node key and queue. */
function providerHealth(config: Config, url: string): Promise<ComponentHealth> {
  return probe(async () => {
    const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(3_000) }).catch((cause: unknown) => {
      throw new Error(`no provider node answers at ${url}`, { cause });
    });
    if (!response.ok) throw new Error(`${url}/api/v1/health answered ${response.status}`);
    return { url, engine: config.compute.engine, ...((await response.json()) as Record<string, unknown>) };
  });
}

/** The indexer answers, with the last block it applied and its lag behind the chain's head. */
function indexerHealth(config: Config): Promise<ComponentHealth> {
  return probe(async () => {
    const url = config.indexer.url;
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) }).catch((cause: unknown) => {
      throw new Error(`no indexer answers at ${url}`, { cause });
    });
    if (!response.ok) throw new Error(`${url}/health answered ${response.status}`);
    const status = (await response.json()) as Record<string, unknown>;
    if (typeof status.lastError === 'string') throw new Error(`the indexer is retrying after: ${status.lastError} (lag ${String(status.lag)} blocks)`);
    return { url, ...status };
  });
}

/** Checks every component of the market as configured. `extra` adds components the caller knows of. */
export async function checkHealth(config: Config, extra: Record<string, () => Promise<ComponentHealth>> = {}): Promise<Health> {
  const checks: Record<string, Promise<ComponentHealth>> = {
    chain: chainHealth(config),
    contracts: contractsHealth(config),
    storage: storageHealth(config),
    metadata: metadataHealth(config),
    ...keyNetworkChecks(config),
    provider: providerHealth(config, config.compute.url),
    // On the embedded chain the stack runs a second provider node, which federated training needs.
    ...(config.chain.adapter === 'anvil' ? { provider2: providerHealth(config, config.compute.second.url) } : {}),
    indexer: indexerHealth(config),
    ...Object.fromEntries(Object.entries(extra).map(([name, check]) => [name, check()])),
  };
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check] as const));
  const components = Object.fromEntries(entries);
  const status: Status = entries.every(([, health]) => health.status === 'ok') ? 'ok' : 'error';
  return { status, components };
}

