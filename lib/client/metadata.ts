/**
 * Storing a document the wallet signed: through the web app's metadata store, with the publisher's session for
 * stores that write on their behalf (Ceramic). A session is asked for once and reused until it nears expiry or
 * the server no longer accepts it (after a restart its session key is new).
 */
import { parseSiweMessage } from 'viem/siwe';
import type { MetadataGrant } from '../metadata';
import type { SignedDataset } from '../metadata/schema';
import { addressOf, ApiError, callApi, signer, type BrowserWallet } from './wallet';

/** Grants by account; each lasts as long as its message says (a day), less a margin. */
const grants = new Map<string, { grant: MetadataGrant; until: number }>();
const GRANT_MARGIN_MS = 15 * 60 * 1000;

async function grantFor(wallet: BrowserWallet): Promise<MetadataGrant | undefined> {
  const account = addressOf(wallet);
  const cached = grants.get(account);
  if (cached && cached.until > Date.now()) return cached.grant;
  const { message } = await callApi<{ message: string | null }>(`/api/metadata/grant?address=${account}`, { cache: 'no-store' });
  if (message === null) return undefined;
  const grant = { message, signature: await signer(wallet).signMessage({ message }) };
  const expires = parseSiweMessage(message).expirationTime;
  if (expires) grants.set(account, { grant, until: expires.getTime() - GRANT_MARGIN_MS });
  return grant;
}

/** Stores `signed` and answers the CID to anchor; asks the wallet for a session first if the store needs one. */
export async function storeDocument(wallet: BrowserWallet, signed: SignedDataset): Promise<string> {
  const post = async () => {
    const grant = await grantFor(wallet);
    const { cid } = await callApi<{ cid: string }>('/api/metadata', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed, grant }) });
    return cid;
  };
  try {
    return await post();
  } catch (error) {
    if (!(error instanceof ApiError && error.errorName === 'MetadataGrantError')) throw error;
    grants.delete(addressOf(wallet));
    return post();
  }
}
