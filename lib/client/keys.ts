/**
 * The data key in the browser, with Lit's own WebAssembly (the same code `@lit-protocol/crypto` runs on Node):
 * sealed to the key network's public key under the dataset's identity, and opened from the signature shares
 * the key nodes release within a key session — the same session flow the Node client runs
 * (lib/access/session.ts): one wallet signature for the datasets of a page or flow. Lit's WebAssembly is
 * loaded on demand, so only pages that publish or download carry it.
 */
import type { BlsSignatureShare } from '../access/bls';
import { DecryptionFailedError } from '../access/errors';
import type { ShareTarget } from '../access/protocol';
import { openKeySession, requestShares, type KeySession } from '../access/session';
import type { MessageSigner } from '../access/siwe';
import type { ClientConfig } from './config';

/** How long to wait for a key node before counting it as unavailable. */
const SHARE_TIMEOUT_MS = 10_000;

type LocalKeyNetwork = Extract<ClientConfig['keyNetwork'], { kind: 'local' }>;

const lit = () => import('@lit-protocol/wasm');

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** Lit's base64 ciphertext of `dataKey` for `identity` under the network's public key (96 hex digits). */
export async function sealDataKey(publicKey: string, identity: string, dataKey: Uint8Array): Promise<string> {
  const { blsEncrypt } = await lit();
  return base64(await blsEncrypt(hexBytes(publicKey), dataKey, new TextEncoder().encode(identity)));
}

/**
 * Combines the shares, checks the combined signature against the network's public key and `identity` (a bad
 * share fails here), and opens the ciphertext with it. Throws DecryptionFailedError.
 */
export async function openDataKey(publicKey: string, identity: string, ciphertext: string, shares: BlsSignatureShare[]): Promise<Uint8Array> {
  const { blsCombine, blsDecrypt, blsVerify } = await lit();
  // Lit's share JSON, exactly as its crypto package serialises shares before combining them.
  const json = shares.map((share) => JSON.stringify(share)) as Parameters<typeof blsCombine>[0];
  try {
    const signature = await blsCombine(json);
    await blsVerify(hexBytes(publicKey), new TextEncoder().encode(identity), signature);
    return await blsDecrypt(fromBase64(ciphertext), json);
  } catch (error) {
    throw new DecryptionFailedError(error);
  }
}

/** One wallet signature opening a key session for `identities` (from the datasets' download tickets). */
export function openBrowserSession(signer: MessageSigner, config: ClientConfig, identities: string[]): Promise<KeySession> {
  return openKeySession(signer, { domain: config.siwe.domain, uri: config.siwe.uri, chainId: config.chainId }, identities);
}

/**
 * The data key of `envelope` (whose identity is `identity`) within `session`: each node is asked for its
 * share with a request signed for it alone, and the shares are combined and checked in the page.
 */
export async function recoverDataKey(keys: LocalKeyNetwork, session: KeySession, envelope: ShareTarget & { ciphertext: string }, identity: string): Promise<Uint8Array> {
  const shares = await requestShares({ urls: keys.urls, threshold: keys.threshold, publicKey: keys.publicKey, timeoutMs: SHARE_TIMEOUT_MS }, session, envelope, identity);
  return openDataKey(keys.publicKey, identity, envelope.ciphertext, shares);
}
