/**
 * The wire format between clients and key nodes, modelled on Lit's `POST /web/encryption/sign`: the request
 * carries an authSig, the conditions and the hash of the data; the answer is one BLS signature share.
 */
import { z } from 'zod';
import { authSigSchema, type AuthSig } from './siwe';
import type { BlsSignatureShare } from './bls';
import type { EvmContractConditions } from './conditions';

export const ENCRYPTION_SIGN_PATH = '/web/encryption/sign';
export const HEALTH_PATH = '/health';

/** Lit's request; the conditions are checked separately against Lit's own schema. */
export const shareRequestSchema = z.object({
  authSig: authSigSchema,
  evmContractConditions: z.array(z.unknown()).min(1),
  dataToEncryptHash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  chain: z.string(),
  // Lit clients send every kind of condition, unused kinds as null; this network evaluates EVM contract ones.
  accessControlConditions: z.null().optional(),
  solRpcConditions: z.null().optional(),
  unifiedAccessControlConditions: z.null().optional(),
});

export interface ShareRequest {
  authSig: AuthSig;
  evmContractConditions: EvmContractConditions;
  dataToEncryptHash: string;
  chain: string;
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
