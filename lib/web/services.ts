/**
 * The web server's composition root: one of each service per server process, opened on first use. The content
 * store, the upload sessions feeding it and the sign-ins they need, the key network (for encryption targets and
 * identities, never keys), the metadata store that checks documents the browser signed, a read-only market for
 * the pages, and the indexer's read API. Routes and pages reach the market only through lib/web.
 */
import type { Address } from 'viem';
import { openKeyNetwork, type KeyNetwork } from '../access';
import { connectPublic, readDeployments, type Deployments } from '../chain';
import { loadConfig } from '../config';
import { IndexerClient, indexerHolds } from '../indexer/client';
import type { IndexerStatus } from '../indexer/indexer';
import { Market } from '../market';
import { openMetadataStore, type MetadataDomain } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { UploadSignIns } from '../storage/upload-signin';
import { UploadSessions } from '../storage/uploads';
import { BlockCache, type BlockReads } from './cache';

/** A promise made once; a failure is forgotten so the next request tries again. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= make().catch((error: unknown) => {
      value = undefined;
      throw error;
    }));
}

export const contentStore = once((): Promise<ContentStore> => openStore(loadConfig().storage));
export const uploadSessions = once(async () => new UploadSessions(await contentStore(), loadConfig().uploads));
export const deployments = once(async (): Promise<Deployments> => readDeployments(loadConfig().deploymentsFile));
export const keyNetwork = once(async (): Promise<KeyNetwork> => openKeyNetwork(loadConfig(), await deployments()));
// Batched: under load the pages' concurrent calls share HTTP round trips to the node.
export const publicClient = once(async () => connectPublic(loadConfig().chain.rpcUrl, (await deployments()).chainId, { batch: true }));
export const uploadSignIns = once(async () => {
  const [{ chainId }, client] = await Promise.all([deployments(), publicClient()]);
  const { siweDomain, web } = loadConfig();
  return new UploadSignIns({ domain: siweDomain, uri: web.url, chainId, balanceOf: (address) => client.getBalance({ address }) });
});
export const metadataStore = once(async () =>
  openMetadataStore(loadConfig(), { blocks: await contentStore(), publicClient: await publicClient(), deployments: await deployments() }),
);
/** The market as the pages and public routes read it: no account, never closed while the server runs. */
export const market = once(() => Market.open(loadConfig()));

/** The indexer's read API (a client holds only its URL). */
export function indexer(): IndexerClient {
  return new IndexerClient(loadConfig().indexer.url);
}

/**
 * Chain reads kept for the block they were read at. The head is asked on every read, without viem's cache, so
 * a page after a transaction shows it.
 */
export const chainReads = once(async () => {
  const client = await publicClient();
  return new BlockCache(() => client.getBlockNumber({ cacheTime: 0 }));
});

/**
 * An answer of the indexer's read model, kept for the chain's head block once the indexer has applied that block
 * and read every document it anchors; until then, and while the chain does not answer, every visit asks the
 * indexer afresh, so a page never shows less than the indexer knows.
 */
export async function indexedRead<T>(key: string, read: (client: IndexerClient) => Promise<T>, known?: BlockReads): Promise<T> {
  const at = known ?? (await headReads());
  if (!at) return read(indexer());
  const current = await at.read('indexer', () => indexerAt(at.block)).catch(() => false);
  return current ? at.read(`indexer:${key}`, () => read(indexer())) : read(indexer());
}

/** One visit's reads at the chain's head block; undefined while the chain does not answer. */
export async function headReads(): Promise<BlockReads | undefined> {
  try {
    return await (await chainReads()).at();
  } catch {
    return undefined;
  }
}

/** Resolves once the indexer has caught up with `block`; rejects (so that nothing is kept) while it has not. */
async function indexerAt(block: bigint): Promise<true> {
  const status = await indexer().health<IndexerStatus>();
  if (!indexerHolds(status, block)) throw new Error(`the indexer is at block ${status.lastBlock}, the chain at ${block}`);
  return true;
}

/** The account a request to /api/uploads is signed in as (its bearer token); UploadSignInError otherwise. */
export async function uploadAccount(request: Request): Promise<Address> {
  return (await uploadSignIns()).holder(request.headers.get('authorization'));
}

/** The registry and chain documents are signed for. */
export async function metadataDomain(): Promise<MetadataDomain> {
  const { chainId, contracts } = await deployments();
  return { chainId, registry: contracts.datasetRegistry };
}
