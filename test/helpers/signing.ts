/** Signatures over dataset documents that the SDK would not give. */
import type { Hex, LocalAccount } from 'viem';
import { DATASET_DOCUMENT_TYPES, documentHash, eip712Domain, type DatasetDocument, type MetadataDomain } from '@/lib/metadata';

/**
 * The registry's EIP-712 signature by `account` over `document` for `domain`, with none of the checks
 * signDataset makes first: a stranger's, or one over a document that breaks the schema.
 */
export async function signatureOver(account: LocalAccount, document: DatasetDocument, domain: MetadataDomain): Promise<Hex> {
  return account.signTypedData({
    domain: eip712Domain(domain),
    types: DATASET_DOCUMENT_TYPES,
    primaryType: 'DatasetDocument',
    message: {
      datasetId: BigInt(document.datasetId),
      version: document.version,
      documentHash: await documentHash(document),
      contentCid: document.content.cid,
      plaintextSha256: `0x${document.plaintextSha256}`,
      previous: document.previous ?? '',
    },
  });
}
