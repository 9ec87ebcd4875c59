/**
 * The browser's adapter of the market flows' port (lib/market/port.ts): writes and signatures through the
 * visitor's wallet, ciphertext and signed documents through the web app's routes, data keys sealed and opened
 * in the page with the key network's public key and the key nodes' shares. The plaintext and the data key never
 * leave the page.
 */
import type { EncryptionTarget } from '../access/envelope';
import type { KeySession } from '../access/session';
import { sha256Hex } from '../crypto';
import { DatagoraError } from '../errors';
import type { DownloadPort, PublishPort } from '../market/port';
import { termsFromJson, type TermsJson } from '../market/terms';
import type { DownloadTicket } from '../market/ticket';
import { signDataset } from '../metadata/signing';
import { openBrowserSession, recoverDataKey, sealDataKey } from './keys';
import { storeDocument } from './metadata';
import { ownedDataset } from './owner';
import { fromGateway } from './streams';
import { uploadCiphertext } from './upload';
import { addressOf, callApi, send, signer, type BrowserWallet } from './wallet';

/** The page's latest key session per account. */
const sessions = new Map<string, KeySession>();
/** A session this close to its expiry is not reused: the key nodes might see it expired. */
const SESSION_MARGIN_MS = 30_000;

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export function browserPort(wallet: BrowserWallet): PublishPort & DownloadPort {
  const { config, publicClient } = wallet;
  const domain = { chainId: config.chainId, registry: config.contracts.datasetRegistry };
  return {
    market: config,
    publicClient,
    account: addressOf(wallet),
    send: (action, request) => send(wallet, action, request),
    licenceTerms: async (request) => termsFromJson((await callApi<{ terms: TermsJson }>('/api/terms', json(request))).terms),
    upload: (ciphertext, size) => uploadCiphertext(wallet, size, ciphertext),
    sealKey: async (dataKey, datasetId) => {
      const target = await callApi<EncryptionTarget>('/api/keys/target', json({ datasetId: datasetId.toString(), dataToEncryptHash: sha256Hex(dataKey) }));
      return { ...target.envelope, ciphertext: await sealDataKey(target.publicKey, target.identity, dataKey) };
    },
    storeDocument: async (document) => storeDocument(wallet, await signDataset(document, signer(wallet), domain)),
    anchored: (id) => ownedDataset(id),
    ticket: (id) => callApi<DownloadTicket>(`/api/datasets/${id}/access`),
    dataKey: async (ticket, given, onProgress) => {
      const keys = config.keyNetwork;
      if (keys.kind !== 'local') {
        throw new DatagoraError(`this market's keys are on the Lit network (${keys.network}); the web app decrypts with the local key network only`, 'download with the CLI: `datagora download <id>`');
      }
      const account = signer(wallet);
      let session = given ?? sessions.get(account.address);
      // A session still good for this dataset is reused: downloading it again in this page signs nothing.
      if (!session || !session.identities.includes(ticket.identity) || session.expiresAt - Date.now() < SESSION_MARGIN_MS) {
        onProgress?.({ step: 'sign-in' });
        session = await openBrowserSession(account, config, [ticket.identity]);
        sessions.set(account.address, session);
      }
      onProgress?.({ step: 'shares' });
      return recoverDataKey(keys, session, ticket.envelope, ticket.identity);
    },
    ciphertext: (cid) => fromGateway(cid, (message, hint) => new DatagoraError(message, hint)),
  };
}
