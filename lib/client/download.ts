/**
 * Downloading in the browser: the visitor signs one SIWE message opening a key session for the dataset, the
 * key nodes (called from the page) each check on-chain that the account may decrypt and release a signature
 * share, the shares open the data key in the page, and the ciphertext from the gateway is decrypted and
 * checked against the SHA-256 its owner signed. The plaintext exists only in the page.
 */
import { createSha256, decryptStream, toHex } from '../crypto';
import { DatagoraError } from '../errors';
import { IntegrityError } from '../market/errors';
import type { DownloadTicket } from '../market/ticket';
import type { KeySession } from '../access/session';
import { openBrowserSession, recoverDataKey } from './keys';
import { fromGateway } from './streams';
import { callApi, signer, type BrowserWallet } from './wallet';

export type DownloadStep = 'sign-in' | 'shares' | 'decrypt';
export interface DownloadProgress {
  step: DownloadStep;
  bytes?: number;
  total?: number;
}

/** The page's latest key session per account. */
const sessions = new Map<string, KeySession>();
/** A session this close to its expiry is not reused: the key nodes might see it expired. */
const SESSION_MARGIN_MS = 30_000;

export async function downloadInBrowser(wallet: BrowserWallet, datasetId: bigint, onProgress: (progress: DownloadProgress) => void): Promise<{ file: File; sha256: string }> {
  const { config } = wallet;
  const keys = config.keyNetwork;
  if (keys.kind !== 'local') {
    throw new DatagoraError(`this market's keys are on the Lit network (${keys.network}); the web app decrypts with the local key network only`, 'download with the CLI: `datagora download <id>`');
  }
  const ticket = await callApi<DownloadTicket>(`/api/datasets/${datasetId}/access`);
  const account = signer(wallet);
  let session = sessions.get(account.address);
  // A session still good for this dataset is reused: downloading it again in this page signs nothing.
  if (!session || !session.identities.includes(ticket.identity) || session.expiresAt - Date.now() < SESSION_MARGIN_MS) {
    onProgress({ step: 'sign-in' });
    session = await openBrowserSession(account, config, [ticket.identity]);
    sessions.set(account.address, session);
  }
  onProgress({ step: 'shares' });
  const dataKey = await recoverDataKey(keys, session, ticket.envelope, ticket.identity);

  const ciphertext = fromGateway(ticket.content.cid, (message, hint) => new DatagoraError(message, hint));
  const hash = createSha256();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  onProgress({ step: 'decrypt', bytes, total: ticket.size });
  try {
    for await (const chunk of decryptStream(dataKey, ciphertext)) {
      hash.update(chunk);
      parts.push(chunk);
      bytes += chunk.length;
      onProgress({ step: 'decrypt', bytes, total: ticket.size });
    }
  } finally {
    dataKey.fill(0);
  }
  const sha256 = toHex(hash.digest());
  if (sha256 !== ticket.plaintextSha256 || bytes !== ticket.size) {
    throw new IntegrityError(`dataset ${datasetId} decrypted to ${bytes} bytes with SHA-256 ${sha256}, but its owner signed ${ticket.size} bytes with ${ticket.plaintextSha256}`, 'the stored content does not match its metadata; report it to the owner');
  }
  return { file: new File(parts as BlobPart[], ticket.fileName), sha256 };
}
