/**
 * A fresh embedded chain with the market deployed, for integration tests. Each jest worker gets its own
 * anvil port (8600 + JEST_WORKER_ID), so suites run in parallel without sharing state.
 */
import { createTestClient, http, type Account, type Chain, type PublicClient, type TestClient, type Transport, type WalletClient } from 'viem';
import { createServer, type AddressInfo } from 'node:net';
import { PortInUseError } from '@/lib/net/ports';
import { AnvilChain, connectPublic, deployMarket, devAccount, fundDevAccounts, walletFor, type Deployments } from '@/lib/chain';

export interface TestMarket {
  chain: AnvilChain;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<'anvil', Transport, Chain>;
  deployments: Deployments;
  /** Wallet of dev account `index`; 0 is the deployer, admin and treasury. */
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  stop(): Promise<void>;
}

export function workerPort(base = 8600): number {
  return base + Number(process.env.JEST_WORKER_ID ?? '1');
}

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** anvil on the worker's port, or on any free port when another jest run on this machine holds it. */
async function startChain(port?: number): Promise<AnvilChain> {
  const chain = new AnvilChain({ host: '127.0.0.1', port: port ?? workerPort() });
  try {
    await chain.start();
    return chain;
  } catch (error) {
    if (port !== undefined || !(error instanceof PortInUseError)) throw error;
    return startChain(await freePort());
  }
}

/** Starts anvil, deploys the market with a mock stablecoin and funds the dev accounts. */
export async function startTestMarket(options: { feeBps?: number; port?: number } = {}): Promise<TestMarket> {
  const chain = await startChain(options.port);
  try {
    const publicClient = await connectPublic(chain.rpcUrl);
    const wallet = (index: number) => walletFor(publicClient, devAccount(index));
    const deployments = await deployMarket({ publicClient, wallet: wallet(0) }, { feeBps: options.feeBps ?? 250, stablecoin: { mock: true } });
    await fundDevAccounts(publicClient, wallet(0), deployments);
    const testClient = createTestClient({ mode: 'anvil', chain: publicClient.chain, transport: http(chain.rpcUrl) });
    return { chain, publicClient, testClient, deployments, wallet, stop: () => chain.stop() };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
