/**
 * Key sessions, as Lit's session signatures work: the wallet signs one short-lived SIWE message whose
 * resources list the identities it unlocks and a fresh session key; each request to each node is then signed
 * by the session key for that node alone, with a nonce of its own. One wallet signature so decrypts every
 * listed dataset, and a captured request is good once, at one node, for one identity. The Node client and
 * the browser both gather shares through {@link requestShares}; no Node-only imports.
 */
import { bytesToHex, type Address } from 'viem';
import type { BlsSignatureShare } from './bls';
import { KeySessionError } from './errors';
import { IDENTITY_RESOURCE, SESSION_KEY_RESOURCE, sessionPayload, type NodeAddress, type ShareRequest, type ShareTarget } from './protocol';
import { collectShares, type ShareSource } from './shares';
import { createAuthSig, SIGN_IN_LIFETIME_MS, type AuthSig, type MessageSigner, type SignInOptions } from './siwe';

/** The most identities one session lists: its SIWE message must stay readable in a wallet. */
export const MAX_SESSION_IDENTITIES = 64;

/** A wallet's sign-in for some identities, and the session key that signs its requests. */
export interface KeySession {
  readonly address: Address;
  /** The wallet's SIWE message, listing `identities` and the session key in its resources. */
  readonly authSig: AuthSig;
  readonly identities: readonly string[];
  /** When the wallet's sign-in, and so the session, expires (ms since the epoch). */
  readonly expiresAt: number;
  /** The session key's Ed25519 public key, 64 hex digits. */
  readonly publicKey: string;
  /** Signs with the session key, which never leaves the session. */
  sign(payload: Uint8Array): Promise<Uint8Array>;
}

/** Who decrypts: a wallet (a session is opened for the one envelope) or a session already open. */
export type KeyHolder = MessageSigner | KeySession;

export function isKeySession(holder: KeyHolder): holder is KeySession {
  return 'authSig' in holder;
}

const hex = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);

/**
 * A fresh Ed25519 session key. WebCrypto (Node 20, current browsers) signs about six times faster than
 * JavaScript and keeps the secret non-extractable; browsers without Ed25519 in WebCrypto load @noble/curves.
 */
async function sessionKey(): Promise<{ publicKey: Uint8Array; sign(payload: Uint8Array): Promise<Uint8Array> }> {
  try {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return { publicKey, sign: async (payload) => new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, payload as Uint8Array<ArrayBuffer>)) };
  } catch {
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const secret = ed25519.utils.randomSecretKey();
    return { publicKey: ed25519.getPublicKey(secret), sign: async (payload) => ed25519.sign(payload, secret) };
  }
}

/**
 * Opens a session: one wallet signature (a SIWE message valid for `options.lifetimeMs`, at most the 15
 * minutes nodes accept) authorising a fresh session key for `identities` only.
 */
export async function openKeySession(signer: MessageSigner, options: SignInOptions, identities: readonly string[]): Promise<KeySession> {
  const listed = [...new Set(identities)];
  if (listed.length === 0) throw new KeySessionError('it would list no dataset');
  if (listed.length > MAX_SESSION_IDENTITIES) throw new KeySessionError(`it would list ${listed.length} datasets, at most ${MAX_SESSION_IDENTITIES} fit in one sign-in`);
  const foreign = listed.find((identity) => !identity.startsWith(IDENTITY_RESOURCE));
  if (foreign !== undefined) throw new KeySessionError(`"${foreign}" is no ${IDENTITY_RESOURCE} identity`);
  const key = await sessionKey();
  const publicKey = hex(key.publicKey);
  const issuedAt = options.issuedAt ?? new Date();
  const authSig = await createAuthSig(signer, { ...options, issuedAt }, [...listed, `${SESSION_KEY_RESOURCE}${publicKey}`]);
  return { address: signer.address, authSig, identities: listed, expiresAt: issuedAt.getTime() + (options.lifetimeMs ?? SIGN_IN_LIFETIME_MS), publicKey, sign: key.sign };
}

/** The request for `identity` that only node `to` accepts, and only once. */
export async function signShareRequest(session: KeySession, to: NodeAddress, target: ShareTarget, identity: string): Promise<ShareRequest> {
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  const sig = hex(await session.sign(sessionPayload(session.publicKey, to, identity, nonce)));
  const { evmContractConditions, dataToEncryptHash, chain } = target;
  return { authSig: session.authSig, sessionSig: { ...to, nonce, sig }, evmContractConditions, dataToEncryptHash, chain };
}

/** The key nodes, and the network's public key their requests name. */
export interface KeyNodes extends ShareSource {
  publicKey: string;
}

/**
 * Asks every node for its share of `identity` (the envelope `target`'s) within `session`, each with a request
 * signed for it alone. Throws KeySessionError when the session does not list the identity or has expired, and
 * what {@link collectShares} throws.
 */
export async function requestShares(nodes: KeyNodes, session: KeySession, target: ShareTarget, identity: string): Promise<BlsSignatureShare[]> {
  if (!session.identities.includes(identity)) throw new KeySessionError(`it does not list ${identity}`);
  if (session.expiresAt <= Date.now()) throw new KeySessionError(`it expired at ${new Date(session.expiresAt).toISOString()}`);
  const requests = await Promise.all(nodes.urls.map((_, node) => signShareRequest(session, { node, network: nodes.publicKey }, target, identity)));
  return collectShares(nodes, requests, identity);
}
