/**
 * Dataset metadata: the signed document that describes a dataset, where it is stored, and how anyone checks it
 * against the registry. Stores are adapters behind one interface (IPFS today; Ceramic can drop in).
 */
import type { DatasetDocument, SignedDataset } from './schema';
import type { DocumentSigner, MetadataDomain } from './signing';

/** Where signed dataset documents live. */
export interface MetadataStore {
  readonly kind: 'ipfs';
  /** Signs and stores a document; returns its CID (a CIDv1 dag-json sha2-256). */
  put(document: DatasetDocument, signer: DocumentSigner, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }>;
  /**
   * Stores a document signed elsewhere (a browser wallet) once it passes the schema and its signature checks
   * for `domain`; throws InvalidDocumentError or MetadataSignatureError otherwise.
   */
  putSigned(signed: unknown, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }>;
  /**
   * Loads a stored document and verifies its signature (signer must equal document.publisher); throws typed
   * errors for malformed, wrongly signed or unknown documents.
   */
  get(cid: string, domain: MetadataDomain): Promise<SignedDataset>;
}

export { IpfsMetadataStore, MAX_DOCUMENT_BYTES, type BlockStore } from './ipfs';
export { verifyAnchored, type RegistryReading } from './anchor';
export { cidFromPointer, DAG_JSON_CODEC, isCid, isMetadataCid, metadataPointer, parseCid, type MetadataPointer, type ParsedCid } from './cid';
export { DATASET_DOCUMENT_TYPES, documentHash, eip712Domain, signDataset, verifySignedDataset, type DocumentSigner, type MetadataDomain } from './signing';
export * from './schema';
export * from './errors';
