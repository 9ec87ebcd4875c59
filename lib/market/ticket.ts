/** What a browser needs to download and verify a dataset by itself (GET /api/datasets/<id>/access). */
import { parseEnvelope, type KeyEnvelope } from '../access';
import { accessIdentity } from '../access/conditions';
import { ComputeOnlyError, type Market } from '.';
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

export async function downloadTicket(market: Market, id: bigint): Promise<DownloadTicket> {
  const { document, terms } = await market.getDataset(id);
  if (terms.computeOnly) throw new ComputeOnlyError(id);
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
