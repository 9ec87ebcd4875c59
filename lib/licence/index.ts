/** Licence terms as publishers start from them: a complete, consistent default to override term by term. */
import type { Address } from 'viem';
import type { LicenceTerms } from '../contracts';

/** Seconds in a day, for `accessDuration`. */
export const DAY = 86_400n;

/**
 * Download-and-compute terms priced in `currency` (6-decimal units): 10.00 download, 2.00 per compute
 * job, 30-day access, commercial use with attribution, no derivatives, no AI training, not transferable.
 */
export function licenceTerms(overrides: Partial<LicenceTerms> & { currency: Address }): LicenceTerms {
  return {
    accessDuration: 30n * DAY,
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
