/** The metadata store's interface, kept apart from ./index and the factory in ./open so that the adapters import it without a circle. */
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
