/** Signed dataset documents as DAG-JSON blocks on IPFS: the CID is the document's address and integrity check. */
import { sha256Hex } from '../crypto';
import { cidFromPointer, DAG_JSON_CODEC, isMetadataCid, metadataPointer } from './cid';
import { decodeDagJson, encodeDagJson } from './dag-json';
import { InvalidDocumentError, MalformedMetadataError, MetadataCidError, MetadataStoreError } from './errors';
import type { MetadataStore } from './types';
import { describeIssues, signedDatasetSchema, type DatasetDocument, type SignedDataset } from './schema';
import { signDataset, verifySignedDataset, type DocumentSigner, type MetadataDomain } from './signing';

/** What the metadata store needs from content storage (a subset of lib/storage's ContentStore). */
export interface BlockStore {
  /** Stores one block under its CIDv1 (sha2-256) and returns that CID. */
  putBlock(bytes: Uint8Array, codec: 'dag-json'): Promise<string>;
  getBlock(cid: string): Promise<Uint8Array>;
}

/** Largest block the store writes or reads: the usual IPFS block limit, well above any valid document. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** The base32 CIDv1 (dag-json, sha2-256) of `bytes`. */
function cidOf(bytes: Uint8Array): string {
  return cidFromPointer({ codec: DAG_JSON_CODEC, digest: `0x${sha256Hex(bytes)}` });
}

export class IpfsMetadataStore implements MetadataStore {
  readonly kind = 'ipfs';

  constructor(private readonly blocks: BlockStore) {}

  async put(document: DatasetDocument, signer: DocumentSigner, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }> {
    return this.store(await signDataset(document, signer, domain));
  }

  async grantRequest(): Promise<undefined> {
    return undefined;
  }

  async putSigned(value: unknown, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }> {
    const parsed = signedDatasetSchema.safeParse(value);
    if (!parsed.success) throw new InvalidDocumentError(describeIssues(parsed.error));
    await verifySignedDataset(parsed.data, domain, 'submitted for storage');
    return this.store(parsed.data);
  }

  private async store(signed: SignedDataset): Promise<{ cid: string; signed: SignedDataset }> {
    const bytes = await encodeDagJson(signed);
    if (bytes.length > MAX_DOCUMENT_BYTES) throw new InvalidDocumentError(`its block is ${bytes.length} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit`);
    const cid = cidOf(bytes);
    let stored: string;
    try {
      stored = await this.blocks.putBlock(bytes, 'dag-json');
    } catch (cause) {
      throw new MetadataStoreError(`could not store metadata ${cid}: ${messageOf(cause)}`, cause);
    }
    // The CID is computed here, so the registry never anchors an address the store made up.
    if (stored !== cid) throw new MetadataStoreError(`the block store answered ${stored} for metadata ${cid}`);
    return { cid, signed };
  }

  /** Blocks are addressed by their CID alone, so the dataset id is not needed to find one. */
  async get(cid: string, domain: MetadataDomain): Promise<SignedDataset> {
    if (!isMetadataCid(cid, DAG_JSON_CODEC)) throw new MetadataCidError(cid, 'not a base32 CIDv1 with codec dag-json and a sha2-256 multihash');
    let bytes: Uint8Array;
    try {
      bytes = await this.blocks.getBlock(cid);
    } catch (cause) {
      throw new MetadataStoreError(`could not load metadata ${cid}: ${messageOf(cause)}`, cause);
    }
    if (bytes.length > MAX_DOCUMENT_BYTES) throw new MalformedMetadataError(cid, `the block is ${bytes.length} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit`);
    // Checked here rather than trusted to the store, so a remote node cannot substitute a document.
    if (`0x${sha256Hex(bytes)}` !== metadataPointer(cid).digest) throw new MalformedMetadataError(cid, 'the block does not hash to its CID');
    let decoded: unknown;
    try {
      decoded = await decodeDagJson(bytes);
    } catch (cause) {
      throw new MalformedMetadataError(cid, `not DAG-JSON (${messageOf(cause)})`, cause);
    }
    const parsed = signedDatasetSchema.safeParse(decoded);
    if (!parsed.success) throw new MalformedMetadataError(cid, describeIssues(parsed.error));
    await verifySignedDataset(parsed.data, domain, cid);
    return parsed.data;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
