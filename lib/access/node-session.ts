/**
 * A key node's side of key sessions (lib/access/session.ts): the wallet's sign-in is checked once per
 * session and kept, bounded, until it expires; each request is then checked against it cheaply — the
 * identity is listed, the request names this node, and the session key signed it (node:crypto's Ed25519,
 * some forty times faster than JavaScript). Replays of a request's nonce are the caller's to refuse.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Address } from 'viem';
import { KeyRequestRejected } from './errors';
import { IDENTITY_RESOURCE, SESSION_KEY_RESOURCE, sessionPayload, type NodeAddress, type SessionSig } from './protocol';
import { recoverSignerWasm } from './recover';
import { verifyAuthSig, type AuthSig } from './siwe';

/** A sign-in a node verified: whose it is, what it unlocks, and the session key it authorises. */
export interface VerifiedSession {
  address: Address;
  identities: ReadonlySet<string>;
  /** The session key, 64 hex digits, and parsed for verifying. */
  sessionKey: string;
  key: KeyObject;
  expiresAt: number;
  signedMessage: string;
}

/** Sessions kept at most; an evicted one is only verified again (its wallet signature costs ~2 ms). */
const MAX_SESSIONS = 10_000;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo: node:crypto takes raw keys only inside one. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SESSION_KEY = new RegExp(`^${SESSION_KEY_RESOURCE}([0-9a-f]{64})$`);

const refuse = (code: string, reason: string) => new KeyRequestRejected(403, code, reason);

export class SessionVerifier {
  private readonly sessions = new Map<string, VerifiedSession>();

  constructor(
    private readonly self: NodeAddress,
    private readonly expected: { domain: string; chainId: number },
  ) {}

  /**
   * The session `authSig` opens, verified on first sight (`fresh`) and then taken from the cache while it
   * lasts. Throws KeyRequestRejected: what verifyAuthSig refuses, `siwe-expired` once it has expired,
   * `siwe-no-session-key` when it names no single session key.
   */
  async session(authSig: AuthSig): Promise<{ session: VerifiedSession; fresh: boolean }> {
    const cached = this.sessions.get(authSig.sig);
    if (cached && cached.signedMessage === authSig.signedMessage && cached.address.toLowerCase() === authSig.address.toLowerCase()) {
      if (cached.expiresAt <= Date.now()) throw refuse('siwe-expired', `the sign-in expired at ${new Date(cached.expiresAt).toISOString()}`);
      return { session: cached, fresh: false };
    }
    const signIn = await verifyAuthSig(authSig, this.expected, recoverSignerWasm);
    const keys = signIn.resources.flatMap((resource) => SESSION_KEY.exec(resource)?.[1] ?? []);
    if (keys.length !== 1) throw refuse('siwe-no-session-key', `the sign-in must name one session key (${SESSION_KEY_RESOURCE}<hex>) in its resources, it names ${keys.length}`);
    const sessionKey = keys[0]!;
    const session: VerifiedSession = {
      address: signIn.address,
      identities: new Set(signIn.resources.filter((resource) => resource.startsWith(IDENTITY_RESOURCE))),
      sessionKey,
      key: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(sessionKey, 'hex')]), format: 'der', type: 'spki' }),
      expiresAt: signIn.expiresAt,
      signedMessage: authSig.signedMessage,
    };
    this.remember(authSig.sig, session);
    return { session, fresh: true };
  }

  /**
   * Checks that `session` covers `identity` and its key signed this request for this node. Throws
   * KeyRequestRejected: `siwe-wrong-resource`, `session-wrong-node`, `session-bad-signature`.
   */
  checkRequest(session: VerifiedSession, identity: string, sessionSig: SessionSig): void {
    if (!session.identities.has(identity)) {
      throw refuse('siwe-wrong-resource', `the sign-in does not list ${identity} among its resources: sign in for this dataset`);
    }
    const { node, network } = this.self;
    if (sessionSig.node !== node || sessionSig.network !== network) {
      throw refuse('session-wrong-node', `the request is for node ${sessionSig.node} of network ${sessionSig.network.slice(0, 16)}…, this is node ${node} of ${network.slice(0, 16)}…`);
    }
    const payload = sessionPayload(session.sessionKey, this.self, identity, sessionSig.nonce);
    if (!verify(null, payload, session.key, Buffer.from(sessionSig.sig, 'hex'))) {
      throw refuse('session-bad-signature', 'the request is not signed by the session key the sign-in names');
    }
  }

  /** Caches `session`; when full, drops the oldest (sessions live 15 minutes at most: likely expired). */
  private remember(sig: string, session: VerifiedSession): void {
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(sig, session);
  }
}
