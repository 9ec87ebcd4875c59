/**
 * The web server's half of the browser flows, one of each per server process: the content store, the upload
 * sessions feeding it and the sign-ins they need, the key network (for encryption targets and identities,
 * never keys) and the metadata store that checks documents the browser signed. Route handlers stay thin by
 * calling these.
 */
import type { Address } from 'viem';
import { openKeyNetwork, type KeyNetwork } from '../access';
import { connectPublic, readDeployments, type Deployments } from '../chain';
import { loadConfig } from '../config';
import { DatagoraError } from '../errors';
import { DatasetNotFoundError } from '../market/errors';
import { openMetadataStore, type MetadataDomain } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { UploadSignIns } from '../storage/upload-signin';
import { UploadError, UploadSessions } from '../storage/uploads';

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
export const publicClient = once(async () => connectPublic(loadConfig().chain.rpcUrl, (await deployments()).chainId));
export const uploadSignIns = once(async () => {
  const [{ chainId }, client] = await Promise.all([deployments(), publicClient()]);
  const { siweDomain, web } = loadConfig();
  return new UploadSignIns({ domain: siweDomain, uri: web.url, chainId, balanceOf: (address) => client.getBalance({ address }) });
});

/** The account a request to /api/uploads is signed in as (its bearer token); UploadSignInError otherwise. */
export async function uploadAccount(request: Request): Promise<Address> {
  return (await uploadSignIns()).holder(request.headers.get('authorization'));
}
export const metadataStore = once(async () =>
  openMetadataStore(loadConfig(), { blocks: await contentStore(), publicClient: await publicClient(), deployments: await deployments() }),
);

/** The registry and chain documents are signed for. */
export async function metadataDomain(): Promise<MetadataDomain> {
  const { chainId, contracts } = await deployments();
  return { chainId, registry: contracts.datasetRegistry };
}

/**
 * A failure as JSON: our typed errors with their name, message and hint (404 for no such dataset, 4xx for bad
 * input, 503 when a service is down), anything else a 500 that names no internals.
 */
export function errorResponse(error: unknown): Response {
  const headers = { 'Cache-Control': 'no-store' };
  if (error instanceof DatagoraError) {
    const status = error instanceof UploadError ? error.status : error instanceof DatasetNotFoundError ? 404 : /Unavailable|Unreachable/.test(error.name) ? 503 : 400;
    return Response.json({ error: error.name, message: error.message, hint: error.hint, ...(error instanceof UploadError ? { code: error.code } : {}) }, { status, headers });
  }
  console.error(error);
  return Response.json({ error: 'InternalError', message: 'the server failed on this request', hint: 'see the web server’s log' }, { status: 500, headers });
}
