/**
 * Sign-In with Ethereum for the key network, in Lit's `authSig` shape: the requester proves its address with
 * a short-lived SIWE message whose resources name what it is for; key nodes check every field before they
 * evaluate any condition.
 */
import { getAddress, hashMessage, hexToBytes, isAddress, isAddressEqual, isHex, type Address, type Hex, type LocalAccount } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import { KeyRequestRejected } from './errors';

/** Lit's bare auth signature: a SIWE message and the EOA signature over it. */
export const authSigSchema = z.object({
  sig: z.custom<Hex>((value) => typeof value === 'string' && isHex(value), 'a hex signature'),
  // Room for the resources of a session over many datasets (each identity is ~160 characters).
  signedMessage: z.string().min(1).max(16_384),
  address: z.custom<Address>((value) => typeof value === 'string' && isAddress(value, { strict: false }), 'an address'),
  derivedVia: z.string(),
});
export type AuthSig = z.infer<typeof authSigSchema>;

/** How long a client's sign-in stays valid. */
export const SIGN_IN_LIFETIME_MS = 5 * 60_000;
/** Key nodes refuse sign-ins that stay valid longer than this: a leaked message must die soon. */
export const MAX_SIGN_IN_LIFETIME_MS = 15 * 60_000;
/** Clock difference tolerated between requester and node. */
export const CLOCK_SKEW_MS = 60_000;

export interface SignInOptions {
  /** The domain key nodes expect (config.siweDomain). */
  domain: string;
  /** The app's URI, for the wallet's display. */
  uri: string;
  chainId: number;
  /** Defaults to now; an earlier time makes a message that is already expired (for tests of the nodes). */
  issuedAt?: Date;
  /** Defaults to {@link SIGN_IN_LIFETIME_MS}. */
  lifetimeMs?: number;
}

/** Who signs a sign-in: a local account, or a browser wallet's account seen through the same two members. */
export type MessageSigner = Pick<LocalAccount, 'address' | 'signMessage'>;

/**
 * Signs a fresh SIWE message (random nonce) with `account` and returns it as Lit's authSig. `resources` (URIs)
 * name what the sign-in is for, as Lit's session signatures do; the wallet shows them.
 */
export async function createAuthSig(account: MessageSigner, options: SignInOptions, resources: string[] = []): Promise<AuthSig> {
  const issuedAt = options.issuedAt ?? new Date();
  const signedMessage = createSiweMessage({
    domain: options.domain,
    address: account.address,
    statement: 'Release my key shares for the data listed below, to this session only.',
    uri: options.uri,
    version: '1',
    chainId: options.chainId,
    nonce: generateSiweNonce(),
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + (options.lifetimeMs ?? SIGN_IN_LIFETIME_MS)),
    ...(resources.length > 0 ? { resources } : {}),
  });
  const sig = await account.signMessage({ message: signedMessage });
  return { sig, signedMessage, address: account.address, derivedVia: 'web3.eth.personal.sign' };
}

/** A sign-in a key node accepted: who, the nonce it must never accept again before `expiresAt`, and what it is for. */
export interface VerifiedSignIn {
  address: Address;
  nonce: string;
  expiresAt: number;
  resources: string[];
}

const refuse = (code: string, reason: string) => new KeyRequestRejected(403, code, reason);

/** @noble/curves 2 is an ES module only: imported once, on the first sign-in check. */
let noble: Promise<typeof import('@noble/curves/secp256k1.js')> | undefined;

/**
 * The EOA that signed `message` (EIP-191 personal_sign), or undefined. @noble/curves 2 recovers in about half
 * the time viem's bundled version takes: this is most of a sign-in check's cost.
 */
/** Recovers the EOA that signed a message, or undefined: JavaScript here, WebAssembly on key nodes (recover.ts). */
export type SignerRecovery = (message: string, signature: Hex) => Promise<Address | undefined>;

async function recoverSigner(message: string, signature: Hex): Promise<Address | undefined> {
  noble ??= import('@noble/curves/secp256k1.js');
  const { secp256k1 } = await noble;
  try {
    const bytes = hexToBytes(signature);
    if (bytes.length !== 65) return undefined;
    const v = bytes[64]!;
    const recovered = secp256k1.Signature.fromBytes(bytes.subarray(0, 64), 'compact')
      .addRecoveryBit(v >= 27 ? v - 27 : v)
      .recoverPublicKey(hexToBytes(hashMessage(message)));
    return publicKeyToAddress(`0x${recovered.toHex(false)}`);
  } catch {
    return undefined;
  }
}

/**
 * Checks an authSig the way a key node must: domain and chain are this network's, the message expires within
 * {@link MAX_SIGN_IN_LIFETIME_MS} and is valid now, and `address` signed it. Throws KeyRequestRejected (403,
 * or 400 when the message is no SIWE message). Replays are the caller's to check, with the returned nonce.
 */
export async function verifyAuthSig(authSig: AuthSig, expected: { domain: string; chainId: number }, recover: SignerRecovery = recoverSigner): Promise<VerifiedSignIn> {
  const message = parseSiweMessage(authSig.signedMessage);
  const { address, domain, chainId, nonce, expirationTime, issuedAt, notBefore } = message;
  // viem parses a date that is not RFC 3339 to an invalid Date, which every time comparison below would let pass.
  const undated = [issuedAt, expirationTime, notBefore].some((date) => date !== undefined && Number.isNaN(date.getTime()));
  if (!address || !domain || chainId === undefined || !nonce || !/^[A-Za-z0-9]{8,}$/.test(nonce) || message.version !== '1' || !message.uri || undated) {
    throw new KeyRequestRejected(400, 'siwe-malformed', 'authSig.signedMessage is not an EIP-4361 (SIWE) message with domain, address, URI, version, chain id, nonce and RFC 3339 dates');
  }
  if (domain !== expected.domain) throw refuse('siwe-wrong-domain', `the sign-in is for ${domain}, but this key network serves ${expected.domain}`);
  if (chainId !== expected.chainId) throw refuse('siwe-wrong-chain', `the sign-in is for chain ${chainId}, but this key network serves chain ${expected.chainId}`);
  const now = Date.now();
  if (!expirationTime) throw refuse('siwe-no-expiry', 'the sign-in has no expiration time');
  if (expirationTime.getTime() <= now) throw refuse('siwe-expired', `the sign-in expired at ${expirationTime.toISOString()}`);
  if (expirationTime.getTime() > now + MAX_SIGN_IN_LIFETIME_MS + CLOCK_SKEW_MS) {
    throw refuse('siwe-expiry-too-far', `the sign-in stays valid until ${expirationTime.toISOString()}: at most ${MAX_SIGN_IN_LIFETIME_MS / 60_000} minutes are accepted`);
  }
  if (!issuedAt || issuedAt.getTime() > now + CLOCK_SKEW_MS) throw refuse('siwe-issued-in-future', 'the sign-in has no issue time or one in the future');
  if (notBefore && notBefore.getTime() > now + CLOCK_SKEW_MS) throw refuse('siwe-not-yet-valid', `the sign-in is valid from ${notBefore.toISOString()} only`);
  // The costly check last: recovering the signer takes a millisecond or two.
  const signer = await recover(authSig.signedMessage, authSig.sig);
  if (!signer || !isAddressEqual(signer, address) || !isAddressEqual(signer, authSig.address)) {
    throw refuse('siwe-bad-signature', `the sign-in for ${getAddress(address)} was not signed by that address`);
  }
  return { address: signer, nonce, expiresAt: expirationTime.getTime(), resources: message.resources ?? [] };
}
