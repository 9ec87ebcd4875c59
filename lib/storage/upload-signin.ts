/**
 * Who may upload through the web app: an account that signed in with SIWE and can pay gas on the market's
 * chain. Uploads cost the node disk, so they are bounded per account (./uploads), and an account must be more
 * than a fresh key: it signs a message this server wrote (its nonce carries a MAC of the address and times,
 * so nothing is stored until it is used, and each is accepted once) and holds native currency. The sign-in
 * answers a bearer token bound to the address, for one hour; upload sessions belong to that address.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { getAddress, isAddress, isHex, type Address } from 'viem';
import { createSiweMessage, parseSiweMessage } from 'viem/siwe';
import { KeyRequestRejected } from '../access/errors';
import { SIGN_IN_LIFETIME_MS, verifyAuthSig } from '../access/siwe';
import { UploadError } from './uploads';

/** How long an upload token is accepted: enough for a large upload, short enough that a leaked one dies soon. */
export const UPLOAD_TOKEN_LIFETIME_MS = 60 * 60_000;

const STATEMENT = 'Upload encrypted data to this Datagora market.';
const SIGN_IN_HINT = 'sign in again: GET /api/uploads/sign-in?address=0x…, sign the message, POST it with the signature';

/** The request carries no upload token, or one this server did not issue or no longer accepts. */
export class UploadSignInError extends UploadError {
  constructor(code: string, message: string) {
    super(401, code, message, SIGN_IN_HINT);
  }
}

/** The account holds no native currency on the market's chain: it could not pay gas to publish what it uploads. */
export class UnfundedAccountError extends UploadError {
  constructor(
    readonly account: Address,
    chainId: number,
  ) {
    super(402, 'unfunded', `${account} holds no native currency on chain ${chainId}; uploads are for accounts that can pay to publish`, 'fund the account with the chain’s native currency (gas), then upload again');
  }
}

/** Compares MACs in constant time. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface UploadSignInOptions {
  /** The SIWE domain the messages name (config.siweDomain). */
  domain: string;
  /** The web app's URL, for the wallet's display. */
  uri: string;
  chainId: number;
  /** The account's native balance on the market's chain. */
  balanceOf(address: Address): Promise<bigint>;
}

export interface UploadToken {
  token: string;
  address: Address;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class UploadSignIns {
  /** Per process: a restart invalidates every message and token, and clients sign in again. */
  private readonly secret = randomBytes(32);
  /** Nonces already signed in with, until their message expires. Insertion order is expiry order. */
  private readonly used = new Map<string, number>();

  constructor(private readonly options: UploadSignInOptions) {}

  private mac(...parts: string[]): Buffer {
    return createHmac('sha256', this.secret).update(parts.join('\n')).digest();
  }

  /** A random salt (two messages asked for at once differ) and the MAC of it with the address and times. */
  private nonce(address: Address, issuedAt: Date, expiresAt: Date, salt = randomBytes(8).toString('hex')): string {
    return salt + this.mac('nonce', salt, getAddress(address), issuedAt.toISOString(), expiresAt.toISOString()).toString('hex').slice(0, 32);
  }

  /** The SIWE message `address` signs to sign in: this server's domain and chain, a nonce it can recognise, 5 minutes. */
  message(address: string): string {
    if (!isAddress(address, { strict: false })) throw new UploadError(400, 'bad-address', `${address ? JSON.stringify(address.slice(0, 64)) : 'nothing'} is not an EVM address`, 'pass ?address=0x…');
    const issuedAt = new Date();
    const expirationTime = new Date(issuedAt.getTime() + SIGN_IN_LIFETIME_MS);
    const { domain, uri, chainId } = this.options;
    return createSiweMessage({ domain, address: getAddress(address), statement: STATEMENT, uri, version: '1', chainId, nonce: this.nonce(address, issuedAt, expirationTime), issuedAt, expirationTime });
  }

  /** Checks a signed message from {@link message} and answers a token for its signer, once per message. */
  async signIn(message: unknown, signature: unknown): Promise<UploadToken> {
    if (typeof message !== 'string' || message.length > 4_096 || !isHex(signature)) throw new UploadError(400, 'bad-sign-in', 'a sign-in is { message, signature }: the SIWE message from GET /api/uploads/sign-in and its signature', SIGN_IN_HINT);
    // The MAC first: it is cheap, and a message this server did not write is not worth recovering a signer for.
    const { address, nonce, issuedAt, expirationTime } = parseSiweMessage(message);
    // A date that is not RFC 3339 parses to an invalid Date: this server never writes one.
    const dated = issuedAt && expirationTime && !Number.isNaN(issuedAt.getTime()) && !Number.isNaN(expirationTime.getTime());
    if (!address || !nonce || !dated || !sameBytes(Buffer.from(nonce), Buffer.from(this.nonce(address, issuedAt, expirationTime, nonce.slice(0, 16))))) {
      throw new UploadSignInError('sign-in-foreign', 'the sign-in message was not issued by this server (or it restarted since)');
    }
    try {
      await verifyAuthSig({ sig: signature, signedMessage: message, address, derivedVia: 'web3.eth.personal.sign' }, this.options);
    } catch (error) {
      if (error instanceof KeyRequestRejected) throw new UploadSignInError(error.code, error.message);
      throw error;
    }
    await this.requireFunded(address);
    this.forgetExpired();
    if (this.used.has(nonce)) throw new UploadSignInError('sign-in-replayed', 'this sign-in message was already used');
    this.used.set(nonce, expirationTime.getTime());
    const holder = getAddress(address);
    const expiresAt = Date.now() + UPLOAD_TOKEN_LIFETIME_MS;
    return { token: `${holder}.${expiresAt}.${this.mac('token', holder, String(expiresAt)).toString('base64url')}`, address: holder, expiresAt };
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [nonce, expiresAt] of this.used) {
      if (expiresAt > now) return;
      this.used.delete(nonce);
    }
  }

  /** The account an `Authorization: Bearer <token>` header signs in as; UploadSignInError (401) otherwise. */
  holder(authorization: string | null): Address {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new UploadSignInError('sign-in-required', 'uploads need a signed-in account: send Authorization: Bearer <token>');
    const [address = '', expiresAt = '', mac = ''] = token.split('.');
    if (!isAddress(address, { strict: true }) || !sameBytes(Buffer.from(mac, 'base64url'), this.mac('token', address, expiresAt))) throw new UploadSignInError('sign-in-invalid', 'the upload token was not issued by this server (or it restarted since)');
    if (!(Number(expiresAt) > Date.now())) throw new UploadSignInError('sign-in-expired', `the upload token expired at ${new Date(Number(expiresAt)).toISOString()}`);
    return address as Address;
  }

  /** UnfundedAccountError (402) unless `address` holds native currency on the market's chain. */
  async requireFunded(address: Address): Promise<void> {
    if ((await this.options.balanceOf(address)) === 0n) throw new UnfundedAccountError(getAddress(address), this.options.chainId);
  }
}
