/**
 * The wire format between clients and key nodes, modelled on Lit's `POST /web/encryption/sign`: the request
 * carries the wallet's authSig, the conditions and the hash of the data, plus a session signature (as Lit's
 * session signatures do) binding this one request to one node; the answer is one BLS signature share.
 * No Node-only imports: the browser builds these requests too.
 */
import { z } from 'zod';
import { authSigSchema, type AuthSig } from './siwe';
import type { BlsSignatureShare } from './bls';
import type { EvmContractConditions } from './conditions';

export const ENCRYPTION_SIGN_PATH = '/web/encryption/sign';
export const HEALTH_PATH = '/health';

/** The SIWE resource naming a session's Ed25519 public key (64 hex digits follow). */
export const SESSION_KEY_RESOURCE = 'urn:datagora:session-key:';
/** The SIWE resources naming what a session unlocks start with this (Lit's identity scheme). */
export const IDENTITY_RESOURCE = 'lit-accesscontrolcondition://';

/** Conditions a request may list, as many as a dataset's key envelope may hold. */
export const MAX_CONDITIONS = 32;
/** Levels of arrays and objects a request's conditions may nest (Lit's nest five), as a key envelope's may. */
export const MAX_CONDITIONS_NESTING = 32;

/** Which node a request is for: its share index and the network's public key (compressed G1, hex). */
export interface NodeAddress {
  node: number;
  network: string;
}

/** The session key's signature over {@link sessionPayload}: one node, one identity, one nonce. */
export const sessionSigSchema = z.object({
  node: z.number().int().nonnegative(),
  network: z.string().regex(/^[0-9a-f]{96}$/, 'a compressed G1 point (96 hex digits)'),
  /** Random per request: a node accepts it once. */
  nonce: z.string().regex(/^[0-9a-f]{32}$/, '32 hex digits'),
  /** Ed25519 signature, 128 hex digits. */
  sig: z.string().regex(/^[0-9a-f]{128}$/, 'an Ed25519 signature (128 hex digits)'),
});
export type SessionSig = z.infer<typeof sessionSigSchema>;

/**
 * The bytes a session key signs for one request. Naming the node and the network stops a node (or anyone on
 * the way) from replaying the request at another node; the nonce, from replaying it at the same one.
 */
export function sessionPayload(sessionKey: string, target: NodeAddress, identity: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(`datagora key request v1\nsession ${sessionKey}\nnetwork ${target.network}\nnode ${target.node}\nidentity ${identity}\nnonce ${nonce}`);
}

/** Lit's request plus the session signature; the conditions are checked separately against Lit's own schema. */
export const shareRequestSchema = z.object({
  authSig: authSigSchema,
  sessionSig: sessionSigSchema,
  evmContractConditions: z.array(z.unknown()).min(1),
  dataToEncryptHash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  // As long as a key envelope's chain may be: refusals name it.
  chain: z.string().max(64),
  // Lit clients send every kind of condition, unused kinds as null; this network evaluates EVM contract ones.
  accessControlConditions: z.null().optional(),
  solRpcConditions: z.null().optional(),
  unifiedAccessControlConditions: z.null().optional(),
});

/** What a request asks to be unlocked: an envelope's conditions, data hash and chain. */
export interface ShareTarget {
  evmContractConditions: EvmContractConditions;
  dataToEncryptHash: string;
  chain: string;
}

export interface ShareRequest extends ShareTarget {
  authSig: AuthSig;
  sessionSig: SessionSig;
}

export const shareResponseSchema = z.object({
  signatureShare: z.object({
    ProofOfPossession: z.object({ identifier: z.string().regex(/^[0-9a-f]{64}$/), value: z.string().regex(/^[0-9a-f]{192}$/) }),
  }),
  shareIndex: z.number().int().nonnegative(),
  curveType: z.literal('BLS'),
  /** The identity the share signs, for the client to compare with its own. */
  dataSigned: z.string(),
});

export interface ShareResponse {
  signatureShare: BlsSignatureShare;
  shareIndex: number;
  curveType: 'BLS';
  dataSigned: string;
}

/** Every non-200 answer: a stable code and a sentence for people. */
export const refusalSchema = z.object({ error: z.string(), reason: z.string() });
