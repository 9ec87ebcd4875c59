/**
 * BLS12-381 threshold signatures as Lit uses them: public keys on G1, signatures on G2 hashed with the DST
 * `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (blst's min-pk scheme). A secret is Shamir-split over the
 * scalar field; node i signs with its share f(i + 1), and any t signature shares combine (Lagrange at zero)
 * into the signature of the whole secret, which Lit's crypto package checks and decrypts with.
 */
import { randomBytes } from 'node:crypto';
import { PublicKey, SecretKey, Signature, verify } from '@chainsafe/blst';

/** Order r of BLS12-381's scalar field. */
export const SCALAR_FIELD_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** One node's signature share in the JSON Lit's v8 crypto package combines. */
export interface BlsSignatureShare {
  ProofOfPossession: {
    /** The share's x coordinate as a 32-byte little-endian scalar, hex. */
    identifier: string;
    /** Compressed G2 signature, hex. */
    value: string;
  };
}

const mod = (value: bigint) => ((value % SCALAR_FIELD_ORDER) + SCALAR_FIELD_ORDER) % SCALAR_FIELD_ORDER;

/** A uniformly random non-zero scalar (64 random bytes reduced mod r: bias below 2^-250). */
export function randomScalar(): bigint {
  for (;;) {
    const bytes = randomBytes(64);
    const scalar = mod(BigInt(`0x${bytes.toString('hex')}`));
    bytes.fill(0);
    if (scalar !== 0n) return scalar;
  }
}

/** A scalar as 32 big-endian bytes (blst's secret key encoding). */
export function scalarToBytes(scalar: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex'));
}

/** 32 big-endian bytes as a scalar. */
export function bytesToScalar(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** The share identifier of node `index` (x = index + 1; x = 0 would be the secret itself). */
export function shareX(index: number): bigint {
  return BigInt(index + 1);
}

/** Lit's encoding of a share identifier: the scalar as 32 little-endian bytes, hex. */
export function identifierHex(x: bigint): string {
  return Buffer.from(scalarToBytes(x)).reverse().toString('hex');
}

/**
 * Shamir-splits `secret` into `count` shares, any `threshold` of which determine it: a random polynomial f of
 * degree threshold − 1 with f(0) = secret, evaluated at x = 1..count.
 */
export function splitSecret(secret: bigint, count: number, threshold: number): bigint[] {
  const coefficients = [secret, ...Array.from({ length: threshold - 1 }, randomScalar)];
  // Horner's rule, highest coefficient first.
  const at = (x: bigint) => coefficients.reduceRight((acc, c) => mod(acc * x + c), 0n);
  return Array.from({ length: count }, (_, i) => at(shareX(i)));
}

/** The compressed G1 public key (96 hex digits, no 0x: Lit's format) of a secret scalar. */
export function publicKeyHex(secret: bigint): string {
  const bytes = scalarToBytes(secret);
  try {
    return Buffer.from(SecretKey.fromBytes(bytes).toPublicKey().toBytes(true)).toString('hex');
  } finally {
    bytes.fill(0);
  }
}

/** Signs `message` with one node's secret share: H(message)·share on G2, in Lit's share JSON. */
export function signShare(share: SecretKey, x: bigint, message: Uint8Array): BlsSignatureShare {
  return { ProofOfPossession: { identifier: identifierHex(x), value: Buffer.from(share.sign(message).toBytes(true)).toString('hex') } };
}

/** A compressed G1 public key (hex), deserialised and checked once for the many verifications that follow. */
export function publicKeyFromHex(hex: string): PublicKey {
  return PublicKey.fromBytes(Buffer.from(hex, 'hex'), true);
}

/** True if `share` is node `x`'s valid signature of `message` under its share public key. */
export function verifyShare(share: BlsSignatureShare, x: bigint, sharePublicKey: PublicKey, message: Uint8Array): boolean {
  if (share.ProofOfPossession.identifier !== identifierHex(x)) return false;
  try {
    return verify(message, sharePublicKey, Signature.fromBytes(Buffer.from(share.ProofOfPossession.value, 'hex'), true));
  } catch {
    return false;
  }
}
