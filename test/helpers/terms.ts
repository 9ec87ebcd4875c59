/**
 * Licence terms for tests: a complete, consistent default that each test overrides where it matters.
 */
import type { Address, ContractFunctionArgs, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import type { datasetRegistryAbi } from '@/lib/contracts';

/** The LicenceTerms struct as viem encodes it (see contracts/interfaces/ILicenceTerms.sol). */
export type Terms = ContractFunctionArgs<typeof datasetRegistryAbi, 'nonpayable', 'registerTerms'>[0];

/** The registry's MetadataPointer struct (a CIDv1 split into codec and sha2-256 digest). */
export type MetadataPointer = ContractFunctionArgs<typeof datasetRegistryAbi, 'nonpayable', 'publish'>[0];

/** Multicodec of dag-json, the default metadata codec. */
export const DAG_JSON = 0x0129;

/**
 * Download-and-compute terms in `currency`: 10 dUSD download (6 decimals), 2 dUSD per compute job, 30-day
 * access, commercial use with attribution, no derivatives, not transferable.
 */
export function termsFor(overrides: Partial<Terms> & { currency: Address }): Terms {
  return {
    accessDuration: 30n * 24n * 3600n,
    commercialRevShare: 0,
    computeOnly: false,
    aiTrainingAllowed: false,
    transferable: false,
    commercialUse: true,
    commercialAttribution: true,
    derivativesAllowed: false,
    derivativesAttribution: false,
    derivativesReciprocal: false,
    downloadPrice: 10_000_000n,
    computePrice: 2_000_000n,
    uri: 'ipfs://bafkreiterms',
    ...overrides,
  };
}

/** A valid metadata pointer whose digest is derived from `seed`, so different seeds give different pointers. */
export function metadataPointer(seed: string | number, codec: number = DAG_JSON): MetadataPointer {
  const digest: Hex = keccak256(toHex(`metadata:${seed}`));
  return { codec, digest };
}
