/**
 * The embedded IPFS node as a service, the one `npm start` runs: HeliaNode on disk behind an HTTP server
 * that speaks the Kubo RPC API (./rpc), so every client uses the same Kubo client whichever node is
 * configured. Memory stays flat for any file size.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertPortFree } from '../net/ports';
import { HeliaNode } from './helia';
import { serveKuboRpc } from './rpc';

export interface StorageNodeOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Where blocks, pins and the node's key live (config.storage.dir, i.e. .datagora/ipfs). */
  dir: string;
}

export interface StorageNode {
  /** Base URL of the Kubo RPC API (what DATAGORA_IPFS_API would name), e.g. http://127.0.0.1:5001. */
  url: string;
  stop(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts the embedded IPFS node: opens the Helia node under `dir` and serves the Kubo RPC API on
 * host:port. `log` receives unexpected request failures. Throws PortInUseError (naming DATAGORA_IPFS_PORT)
 * when the port is taken.
 */
export async function startStorageNode(options: StorageNodeOptions, log: (line: string) => void = () => undefined): Promise<StorageNode> {
  if (options.port !== 0) await assertPortFree(options.host, options.port, 'DATAGORA_IPFS_PORT', 'embedded IPFS node');
  const node = await HeliaNode.open(options.dir);
  // No request timeout: a large upload legitimately takes minutes.
  const server = createServer({ requestTimeout: 0 }, (req, res) => void serveKuboRpc(node, req, res, log));
  let address: AddressInfo;
  try {
    address = await listen(server, options.host, options.port);
  } catch (error) {
    await node.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await node.close();
      })()),
  };
}
