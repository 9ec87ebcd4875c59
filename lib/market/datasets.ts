/**
 * The registry's datasets as the SDK reads them from the chain: each summary's metadata fetched and checked to
 * be the document the registry anchors (for that dataset and version, signed by the owner who anchored it), a
 * dataset's version history from its events, and the reading account's licence.
 */
import type { Address, Chain, Hex, PublicClient, Transport } from 'viem';
import type { Deployments } from '../chain';
import { contractsOf, type LicenceTerms } from '../contracts';
import { AnchorMismatchError, cidFromPointer, verifyAnchored, type DatasetDocument, type MetadataStore } from '../metadata';
import { DatasetNotFoundError } from './errors';
import { licenceExpiry } from './licence';

export interface DatasetVersion {
  version: number;
  metadataCid: string;
  blockNumber: bigint;
  txHash: Hex;
}

export interface DatasetSummary {
  id: bigint;
  owner: Address;
  listed: boolean;
  version: number;
  metadataCid: string;
  terms: LicenceTerms;
  termsId: bigint;
  document: DatasetDocument;
  publishedAt: Date;
  updatedAt: Date;
  /** The current owner signed this version (false after the data NFT changed hands, until they update it). */
  signedByOwner: boolean;
}

export interface DatasetDetails extends DatasetSummary {
  history: DatasetVersion[];
  /** The reading account's licence, if it holds one. */
  licence?: { expiresAt: Date | null; valid: boolean };
  canDecrypt: boolean;
}

/** What reading the registry takes: the chain, the deployments and the metadata store. */
export interface RegistryReader {
  publicClient: PublicClient<Transport, Chain>;
  deployments: Deployments;
  metadata: MetadataStore;
}

function domainOf(deployments: Deployments) {
  return { chainId: deployments.chainId, registry: deployments.contracts.datasetRegistry };
}

function isPublished({ publicClient, deployments }: RegistryReader, id: bigint): Promise<boolean> {
  return publicClient.readContract({ ...contractsOf(deployments).registry, functionName: 'isPublished', args: [id] });
}

function datasetCount({ publicClient, deployments }: RegistryReader): Promise<bigint> {
  return publicClient.readContract({ ...contractsOf(deployments).registry, functionName: 'datasetCount' });
}

/** Every dataset on the registry, newest first, with its verified metadata. */
export async function listDatasets(reader: RegistryReader): Promise<DatasetSummary[]> {
  const count = await datasetCount(reader);
  const ids = Array.from({ length: Number(count) }, (_, i) => count - BigInt(i));
  const results: DatasetSummary[] = [];
  // A few at a time: each reads the chain and one IPFS block. Ids reserved but never published are gaps.
  for (let i = 0; i < ids.length; i += 8) {
    const batch = ids.slice(i, i + 8);
    const published = await Promise.all(batch.map((id) => isPublished(reader, id)));
    results.push(...(await Promise.all(batch.filter((_, j) => published[j]).map((id) => readSummary(reader, id)))));
  }
  return results;
}

/** One dataset's summary; DatasetNotFoundError for an id the registry never published. */
export async function datasetSummary(reader: RegistryReader, id: bigint): Promise<DatasetSummary> {
  const count = await datasetCount(reader);
  if (id < 1n || id > count || !(await isPublished(reader, id))) throw new DatasetNotFoundError(id);
  return readSummary(reader, id);
}

/** The summary of a dataset known to be published. */
async function readSummary(reader: RegistryReader, id: bigint): Promise<DatasetSummary> {
  const { publicClient, deployments, metadata } = reader;
  const { registry } = contractsOf(deployments);
  const [dataset, owner] = await Promise.all([
    publicClient.readContract({ ...registry, functionName: 'getDataset', args: [id] }),
    publicClient.readContract({ ...registry, functionName: 'datasetOwner', args: [id] }),
  ]);
  const terms = await publicClient.readContract({ ...registry, functionName: 'getTerms', args: [dataset.termsId] });
  const pointer = { codec: dataset.metadataCodec, digest: dataset.metadataDigest };
  const metadataCid = cidFromPointer(pointer);
  const signed = await metadata.get(metadataCid, domainOf(deployments), id);
  // The document must be the one the registry anchors, for this dataset and version. Its signer is the
  // owner who anchored it; after the data NFT changes hands that is no longer the current owner.
  let signedByOwner = true;
  try {
    verifyAnchored({ datasetId: id, pointer, version: dataset.version, owner }, { cid: metadataCid, signed });
  } catch (error) {
    if (!(error instanceof AnchorMismatchError && error.reason === 'publisher')) throw error;
    signedByOwner = false;
  }
  return {
    signedByOwner,
    id,
    owner,
    listed: dataset.listed,
    version: dataset.version,
    metadataCid,
    terms,
    termsId: dataset.termsId,
    document: signed.document,
    publishedAt: new Date(dataset.publishedAt * 1000),
    updatedAt: new Date(dataset.updatedAt * 1000),
  };
}

/** One dataset with its version history and, given an account, that account's access. */
export async function datasetDetails(reader: RegistryReader, id: bigint, account?: Address): Promise<DatasetDetails> {
  const { publicClient, deployments } = reader;
  const summary = await datasetSummary(reader, id);
  const { registry } = contractsOf(deployments);
  const fromBlock = BigInt(deployments.startBlock);
  const [published, updated] = await Promise.all([
    publicClient.getContractEvents({ ...registry, eventName: 'DatasetPublished', args: { datasetId: id }, fromBlock }),
    publicClient.getContractEvents({ ...registry, eventName: 'MetadataUpdated', args: { datasetId: id }, fromBlock }),
  ]);
  const history: DatasetVersion[] = [
    ...published.map((e) => ({ version: 1, metadataCid: cidFromPointer(e.args.metadata!), blockNumber: e.blockNumber, txHash: e.transactionHash })),
    ...updated.map((e) => ({ version: e.args.version!, metadataCid: cidFromPointer(e.args.metadata!), blockNumber: e.blockNumber, txHash: e.transactionHash })),
  ].sort((a, b) => a.version - b.version);
  const details: DatasetDetails = { ...summary, history, canDecrypt: false };
  if (account) {
    const { marketplace } = contractsOf(deployments);
    const [licence, valid, canDecrypt] = await Promise.all([
      publicClient.readContract({ ...marketplace, functionName: 'licenceOf', args: [id, account] }),
      publicClient.readContract({ ...marketplace, functionName: 'hasLicence', args: [id, account] }),
      publicClient.readContract({ ...marketplace, functionName: 'canDecrypt', args: [id, account] }),
    ]);
    if (licence.termsId !== 0n) details.licence = { expiresAt: licenceExpiry(licence.expiresAt), valid };
    details.canDecrypt = canDecrypt;
  }
  return details;
}
