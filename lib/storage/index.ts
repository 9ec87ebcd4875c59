/**
 * Content storage: files and DAG-JSON blocks on IPFS. Every client speaks the Kubo RPC API (`KuboStore`),
 * to the embedded Helia node that `npm start` runs (`startStorageNode` in ./node) or to a Kubo node at
 * DATAGORA_IPFS_API; the configuration only decides whether our node is started.
 * The embedded node itself (./helia, ./node) is not re-exported here, so importing the client (the web app
 * does) never loads Helia.
 */
import type { StorageConfig } from '../config';
import { KuboStore } from './kubo';
import type { ContentStore } from './types';

/** The content store the configuration selects: a Kubo RPC client for its API URL. Nothing is sent yet. */
export function openStore(config: StorageConfig): Promise<ContentStore> {
  return KuboStore.connect(config.apiUrl, { adapter: config.adapter });
}

export type { ContentStat, ContentStore } from './types';
export { KuboStore, type KuboStoreOptions } from './kubo';
export * from './errors';
