/**
 * The wizard's upload of ciphertext to the web app (/api/uploads) as the connected wallet's account: the
 * server takes uploads only from signed-in accounts that can pay gas, so the wallet signs one SIWE message the
 * server wrote, and the token it answers is kept for the page until it nears expiry or the server no longer
 * accepts it (after a restart its secret is new).
 */
import type { Address } from 'viem';
import type { UploadToken } from '../storage/upload-signin';
import { addressOf, ApiError, callApi, signer, type BrowserWallet } from './wallet';

/** Ciphertext per upload request: large enough to keep requests few, small enough to hold in memory. */
export const PART_BYTES = 8 * 1024 * 1024;

/** Tokens by account, used until this long before they expire. */
const tokens = new Map<Address, UploadToken>();
const TOKEN_MARGIN_MS = 5 * 60_000;

async function tokenFor(wallet: BrowserWallet): Promise<string> {
  const account = addressOf(wallet);
  const cached = tokens.get(account);
  if (cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return cached.token;
  const { message } = await callApi<{ message: string }>(`/api/uploads/sign-in?address=${account}`, { cache: 'no-store' });
  const signature = await signer(wallet).signMessage({ message });
  const token = await callApi<UploadToken>('/api/uploads/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature }) });
  tokens.set(account, token);
  return token.token;
}

/** A call to /api/uploads as the wallet's account; signs in again once if the server refuses the token. */
async function callAs<T>(wallet: BrowserWallet, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<T> {
  const call = async () => callApi<T>(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${await tokenFor(wallet)}` } });
  try {
    return await call();
  } catch (error) {
    // The server checks the token before it reads a body: a refused part changed nothing and is sent again.
    if (!(error instanceof ApiError && error.errorName === 'UploadSignInError')) throw error;
    tokens.delete(addressOf(wallet));
    return call();
  }
}

/** Uploads `size` bytes of ciphertext in parts of about {@link PART_BYTES}; answers the pinned file's CID and size. */
export async function uploadCiphertext(wallet: BrowserWallet, size: number, ciphertext: AsyncIterable<Uint8Array>): Promise<{ cid: string; size: number }> {
  const { id } = await callAs<{ id: string }>(wallet, '/api/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size }) });
  try {
    let part = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      await callAs(wallet, `/api/uploads/${id}?part=${part++}`, { method: 'PUT', body: new Blob(pending as BlobPart[]) });
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of ciphertext) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= PART_BYTES) await flush();
    }
    if (pendingBytes > 0) await flush();
    return await callAs<{ cid: string; size: number }>(wallet, `/api/uploads/${id}`, { method: 'POST' });
  } catch (error) {
    // Frees the account's slot at once; with the cached token only, never asking the wallet on the way out.
    const token = tokens.get(addressOf(wallet))?.token;
    if (token) await fetch(`/api/uploads/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    throw error;
  }
}
