/**
 * EIP-712 signatures over dataset documents. The signed struct names what a buyer relies on (dataset, version,
 * content CID, plaintext hash, predecessor) and commits to the rest through the document's SHA-256, so a
 * wallet shows meaningful fields while every byte of the document is covered.
 */
import { isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type LocalAccount } from 'viem';
import { createSha256, toHex } from '../crypto';
import { encodeDagJson, withoutUndefined } from './dag-json';
import { InvalidDocumentError, MetadataSignatureError } from './errors';
import { datasetDocumentSchema, describeIssues, SIGNED_DATASET_FORMAT, type DatasetDocument, type SignedDataset } from './schema';

/** Which registry, on which chain, a document is signed for. */
export interface MetadataDomain {
  chainId: number;
  /** The DatasetRegistry contract. */
  registry: Address;
}

/** The EIP-712 types of a signed dataset document. */
export const DATASET_DOCUMENT_TYPES = {
  DatasetDocument: [
    { name: 'datasetId', type: 'uint256' },
    { name: 'version', type: 'uint32' },
    { name: 'documentHash', type: 'bytes32' },
    { name: 'contentCid', type: 'string' },
    { name: 'plaintextSha256', type: 'bytes32' },
    { name: 'previous', type: 'string' },
  ],
} as const;

/** The full EIP-712 domain for `domain`. */
export function eip712Domain(domain: MetadataDomain): SignedDataset['domain'] {
  return { name: 'Datagora', version: '1', chainId: domain.chainId, verifyingContract: domain.registry };
}

/** SHA-256 of the document's DAG-JSON encoding, as bytes32. */
export async function documentHash(document: DatasetDocument): Promise<Hex> {
  const hash = createSha256();
  hash.update(await encodeDagJson(document));
  return `0x${toHex(hash.digest())}`;
}

async function typedData(document: DatasetDocument, domain: SignedDataset['domain']) {
  return {
    domain,
    types: DATASET_DOCUMENT_TYPES,
    primaryType: 'DatasetDocument' as const,
    message: {
      datasetId: BigInt(document.datasetId),
      version: document.version,
      documentHash: await documentHash(document),
      contentCid: document.content.cid,
      plaintextSha256: `0x${document.plaintextSha256}` as Hex,
      previous: document.previous ?? '',
    },
  };
}

/**
 * Who signs a document: a local account, or a browser wallet's account seen through the same members. Typed
 * data signs documents; a message signs a Ceramic session (SIWE).
 */
export type DocumentSigner = Pick<LocalAccount, 'address' | 'signTypedData' | 'signMessage'>;

/**
 * Validates `document` and signs it as `signer` for `domain`. Throws InvalidDocumentError if the document
 * breaks the schema or names another publisher than the signer.
 */
export async function signDataset(document: DatasetDocument, signer: DocumentSigner, domain: MetadataDomain): Promise<SignedDataset> {
  const parsed = datasetDocumentSchema.safeParse(document);
  if (!parsed.success) throw new InvalidDocumentError(describeIssues(parsed.error));
  if (!isAddressEqual(parsed.data.publisher, signer.address)) {
    throw new InvalidDocumentError(`publisher ${parsed.data.publisher} is not the signing account ${signer.address}`);
  }
  const signed = withoutUndefined(parsed.data);
  const typed = await typedData(signed, eip712Domain(domain));
  const signature = await signer.signTypedData(typed);
  return { format: SIGNED_DATASET_FORMAT, document: signed, domain: typed.domain, signer: signer.address, signature };
}

/**
 * Checks that `signed` is signed for `domain` by its stated signer, who is the document's publisher. Throws
 * MetadataSignatureError otherwise; `cid` only labels the error.
 */
export async function verifySignedDataset(signed: SignedDataset, domain: MetadataDomain, cid: string): Promise<void> {
  const expected = eip712Domain(domain);
  if (signed.domain.chainId !== expected.chainId || !isAddressEqual(signed.domain.verifyingContract, expected.verifyingContract)) {
    throw new MetadataSignatureError(
      cid,
      `signed for registry ${signed.domain.verifyingContract} on chain ${signed.domain.chainId}, not ${expected.verifyingContract} on chain ${expected.chainId}`,
    );
  }
  if (!isAddressEqual(signed.signer, signed.document.publisher)) {
    throw new MetadataSignatureError(cid, `signer ${signed.signer} is not the publisher ${signed.document.publisher}`);
  }
  let recovered: Address;
  try {
    recovered = await recoverTypedDataAddress({ ...(await typedData(signed.document, signed.domain)), signature: signed.signature });
  } catch (cause) {
    throw new MetadataSignatureError(cid, 'the signature cannot be decoded', cause);
  }
  if (!isAddressEqual(recovered, signed.signer)) {
    throw new MetadataSignatureError(cid, `the signature is by ${recovered}, not ${signed.signer}: the document or its signature was altered`);
  }
}
