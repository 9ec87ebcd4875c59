/**
 * Licence terms for tests: a complete, consistent default that each test overrides where it matters.
 */
import type { Address, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import type { LicenceTerms, MetadataPointer } from '@/lib/contracts';
import { licenceTerms } from '@/lib/licence';

/** The LicenceTerms struct as viem encodes it (see contracts/interfaces/ILicenceTerms.sol). */
export type Terms = LicenceTerms;
export type { MetadataPointer };

/** Multicodec of dag-json, the default metadata codec. */
export const DAG_JSON = 0x0129;

/** The market's default terms (lib/licence) in `currency`, with `overrides`. */
export const termsFor = licenceTerms;

/** Terms in `currency` open to derivatives and AI training, commercial, paying `share` basis points of every derivative's sales. */
export function openTerms(currency: Address, share: number, overrides: Partial<Terms> = {}): Terms {
  return licenceTerms({ currency, derivativesAllowed: true, aiTrainingAllowed: true, commercialRevShare: share, ...overrides });
}

/** A valid metadata pointer whose digest is derived from `seed`, so different seeds give different pointers. */
export function metadataPointer(seed: string | number, codec: number = DAG_JSON): MetadataPointer {
  const digest: Hex = keccak256(toHex(`metadata:${seed}`));
  return { codec, digest };
}
