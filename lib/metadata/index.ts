/**
 * Dataset metadata: the signed document that describes a dataset, where it is stored, and how anyone checks it
 * against the registry. Stores are adapters behind one interface: DAG-JSON blocks on IPFS (the embedded default)
 * or Ceramic streams (the production adapter), chosen by configuration (see ./open).
 */
export type { MetadataGrant, MetadataStore } from './types';
export { IpfsMetadataStore, MAX_DOCUMENT_BYTES, type BlockStore } from './ipfs';
export { CeramicError, CeramicMetadataStore, CeramicUnavailableError, datasetModelDefinition, MetadataGrantError, pkhDid, type CeramicStoreOptions } from './ceramic';
export { verifyAnchored, type RegistryReading } from './anchor';
export { cidFromPointer, DAG_JOSE_CODEC, DAG_JSON_CODEC, isCid, isMetadataCid, metadataPointer, parseCid, type MetadataPointer, type ParsedCid } from './cid';
export { DATASET_DOCUMENT_TYPES, documentHash, eip712Domain, signDataset, verifySignedDataset, type DocumentSigner, type MetadataDomain } from './signing';
export * from './schema';
export * from './errors';
export { firstVersionCid, openMetadataStore, type MetadataStoreDeps } from './open';
