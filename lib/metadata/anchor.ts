/**
 * Checks a loaded document against what DatasetRegistry anchors for its dataset, so anyone can verify a listing
 * from the chain and IPFS alone. Chain reads stay with the caller: this takes plain values.
 */
import { isAddressEqual, type Address } from 'viem';
import { metadataPointer, type MetadataPointer } from './cid';
import { AnchorMismatchError } from './errors';
import type { SignedDataset } from './schema';

/** What the registry says about a dataset (getDataset and ownerOf). */
export interface RegistryReading {
  datasetId: bigint;
  /** The dataset's metadata pointer (getDataset's metadataCodec and metadataDigest). */
  pointer: MetadataPointer;
  version: number;
  /** The account that anchored this version: the NFT's holder, unless the NFT changed hands since. */
  owner: Address;
}

/**
 * Throws AnchorMismatchError unless `loaded` is the document the registry anchors for `reading.datasetId`:
 * its CID matches the pointer, it names this dataset and version, and its publisher (who signed it) is the
 * owner. `loaded.signed` must come from MetadataStore.get, which verified its signature for this registry.
 */
export function verifyAnchored(reading: RegistryReading, loaded: { cid: string; signed: SignedDataset }): void {
  const { datasetId, version, owner } = reading;
  const { document, signer } = loaded.signed;
  const pointer = metadataPointer(loaded.cid);
  if (pointer.codec !== reading.pointer.codec || pointer.digest !== reading.pointer.digest.toLowerCase()) {
    throw new AnchorMismatchError('pointer', `dataset ${datasetId} is anchored to another document than ${loaded.cid}`);
  }
  if (document.datasetId !== datasetId.toString()) {
    throw new AnchorMismatchError('dataset', `document ${loaded.cid} describes dataset ${document.datasetId}, not ${datasetId}`);
  }
  if (document.version !== version) {
    throw new AnchorMismatchError('version', `document ${loaded.cid} is version ${document.version}, but the registry anchors version ${version}`);
  }
  if (!isAddressEqual(signer, document.publisher) || !isAddressEqual(document.publisher, owner)) {
    throw new AnchorMismatchError('publisher', `document ${loaded.cid} was signed by ${signer} for publisher ${document.publisher}, but dataset ${datasetId} belongs to ${owner}`);
  }
}
