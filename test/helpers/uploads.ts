/**
 * What the web app's upload routes run against, for tests that call the route handlers themselves: a test
 * chain with the market deployed and the embedded IPFS node, named to the handlers through the environment as
 * the web server names them.
 */
import path from 'node:path';
import { writeDeployments } from '@/lib/chain';
import { contentStore } from '@/lib/web/services';
import { startStorageNode, type StorageNode } from '@/lib/storage/node';
import { tempDir } from '../storage/fixtures';
import { startTestMarket, type TestMarket } from './market';

export interface UploadLimits {
  /** The domain sign-in messages name (DATAGORA_SIWE_DOMAIN). */
  siweDomain: string;
  /** Uploads an account may hold open at once. */
  sessions: number;
  /** Bytes an account may hold in open uploads. */
  accountBytes: number;
  /** Seconds an upload may idle before it is dropped. */
  idleSeconds: number;
}

export interface UploadRoutes {
  market: TestMarket;
  node: StorageNode;
  /** Takes the environment back and stops the routes' content store, the node and the chain. */
  stop(): Promise<void>;
}

/** Starts the chain and the IPFS node in a temporary folder named after `name`, and sets the routes' environment. */
export async function startUploadRoutes(name: string, limits: UploadLimits): Promise<UploadRoutes> {
  const temp = tempDir(name);
  let market: TestMarket | undefined;
  let node: StorageNode | undefined;
  let env: Record<string, string> = {};
  const stop = async () => {
    const set = Object.keys(env);
    for (const key of set) delete process.env[key];
    // Routes only ran, and opened the store their services share, once the environment named the node.
    if (set.length > 0) await (await contentStore()).close();
    await node?.stop();
    await market?.stop();
    temp.remove();
  };
  try {
    market = await startTestMarket();
    node = await startStorageNode({ host: '127.0.0.1', port: 0, dir: path.join(temp.dir, 'ipfs') });
    const deploymentsFile = path.join(temp.dir, 'deployments.json');
    writeDeployments(deploymentsFile, market.deployments);
    env = {
      DATAGORA_HOME: temp.dir,
      DATAGORA_CHAIN: 'rpc',
      DATAGORA_RPC_URL: market.chain.rpcUrl,
      DATAGORA_DEPLOYMENTS: deploymentsFile,
      DATAGORA_IPFS_PORT: new URL(node.url).port,
      DATAGORA_SIWE_DOMAIN: limits.siweDomain,
      DATAGORA_UPLOAD_SESSIONS: String(limits.sessions),
      DATAGORA_UPLOAD_GIB: String(limits.accountBytes / 1024 ** 3),
      DATAGORA_UPLOAD_IDLE_SECONDS: String(limits.idleSeconds),
    };
    Object.assign(process.env, env);
    return { market, node, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
