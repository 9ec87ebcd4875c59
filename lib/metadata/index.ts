/**
 * Dataset metadata: the signed document that describes a dataset, where it is stored, and how anyone checks it
 * against the registry. Stores are adapters behind one interface: DAG-JSON blocks on IPFS (the embedded default)
 * or Ceramic streams (the production adapter), chosen by configuration (see ./open).
 */
import type { Address } from 'viem';
import type { DatasetDocument, SignedDataset } from './schema';
import type { DocumentSigner, MetadataDomain } from './signing';

/** A publisher's permission for a store to write on their behalf: a message from grantRequest, signed (EIP-191). */
export interface MetadataGrant {
  message: string;
  signature: `0x${string}`;
}

/** Where signed dataset documents live. Each version has a CID (sha2-256) the registry anchors. */
export interface MetadataStore {
  readonly kind: 'ipfs' | 'ceramic';
  /** Signs and stores a document; returns the CID of the stored version. */
  put(document: DatasetDocument, signer: DocumentSigner, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }>;
  /**
   * The message a browser publisher signs so that putSigned may write for them (a SIWE session for Ceramic);
   * undefined when the store needs none (IPFS blocks need only the document's own signature).
   */
  grantRequest(address: Address, domain: MetadataDomain): Promise<string | undefined>;
  /**
   * Stores a document signed elsewhere (a browser wallet) once it passes the schema and its signature checks
   * for `domain`; throws InvalidDocumentError, MetadataSignatureError or MetadataGrantError otherwise.
   */
  putSigned(signed: unknown, domain: MetadataDomain, grant?: MetadataGrant): Promise<{ cid: string; signed: SignedDataset }>;
  /**
   * Loads version `cid` of dataset `datasetId` and verifies its signature (signer must equal
   * document.publisher); throws typed errors for malformed, wrongly signed or unknown documents.
   */
  get(cid: string, domain: MetadataDomain, datasetId: bigint): Promise<SignedDataset>;
}

export { IpfsMetadataStore, MAX_DOCUMENT_BYTES, type BlockStore } from './ipfs';
export { CeramicError, CeramicMetadataStore, CeramicUnavailableError, datasetModelDefinition, MetadataGrantError, pkhDid, type CeramicStoreOptions } from './ceramic';
export { verifyAnchored, type RegistryReading } from './anchor';
export { cidFromPointer, DAG_JOSE_CODEC, DAG_JSON_CODEC, isCid, isMetadataCid, metadataPointer, parseCid, type MetadataPointer, type ParsedCid } from './cid';
export { DATASET_DOCUMENT_TYPES, documentHash, eip712Domain, signDataset, verifySignedDataset, type DocumentSigner, type MetadataDomain } from './signing';
export * from './schema';
export * from './errors';
export { firstVersionCid, openMetadataStore, type MetadataStoreDeps } from './open';
