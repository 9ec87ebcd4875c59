/**
 * What a downloader needs to fetch, open and check a dataset by itself: the key envelope with its identity, the
 * content's CID and size, and the plaintext size and SHA-256 the owner signed. The SDK builds it for its own
 * account; the web app serves it to browsers (GET /api/datasets/<id>/access). All of it is public: the key
 * nodes decide who decrypts.
 */
import { isAddressEqual, type Address } from 'viem';
import { parseEnvelope, type KeyEnvelope } from '../access';
import { accessIdentity } from '../access/conditions';
import { datasetSummary, type RegistryReader } from './datasets';
import { ComputeOnlyError } from './errors';
import { fileNameFor } from './files';

export interface DownloadTicket {
  datasetId: string;
  fileName: string;
  envelope: KeyEnvelope;
  /** The identity the key nodes sign for the envelope (Lit's canonical hash of its conditions). */
  identity: string;
  content: { cid: string; size: number };
  /** Plaintext size and SHA-256 the owner signed. */
  size: number;
  plaintextSha256: string;
}

/**
 * Dataset `id`'s ticket; ComputeOnlyError when its data may only be computed on — except for `account` when it
 * is the owner, who holds every right.
 */
export async function downloadTicket(reader: RegistryReader, id: bigint, account?: Address): Promise<DownloadTicket> {
  const { document, terms, owner } = await datasetSummary(reader, id);
  if (terms.computeOnly && !(account && isAddressEqual(owner, account))) throw new ComputeOnlyError(id);
  const envelope = parseEnvelope(document.key, document.key.network);
  return {
    datasetId: id.toString(),
    fileName: fileNameFor(id, document),
    envelope,
    identity: await accessIdentity(envelope.evmContractConditions, envelope.dataToEncryptHash),
    content: { cid: document.content.cid, size: document.content.size },
    size: document.size,
    plaintextSha256: document.plaintextSha256,
  };
}
