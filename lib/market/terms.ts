/**
 * Licence terms for a dataset being published: the choice is checked with the preset rules (or the builder's
 * term-by-term rules), the legal text is stored on IPFS, and the terms name its CID. The SDK does this itself;
 * the web app's terms route does it for the browser, which then registers the terms and publishes with its wallet.
 */
import { z } from 'zod';
import type { Deployments } from '../chain/deployments';
import type { LicenceTerms } from '../contracts';
import { DAY } from '../licence';
import { DEFAULT_ACCESS_DURATION, LICENCE_PRESETS, LicenceCombinationError, presetTerms, presetText } from '../licence/presets';
import type { ContentStore } from '../storage';
import { customTerms, customText, TERM_FLAGS } from '../licence/custom';

const units = z.string().regex(/^\d{1,39}$/, 'a whole number of base units, as a string');

export const termsRequestSchema = z.object({
  preset: z.enum(LICENCE_PRESETS),
  downloadPrice: units,
  computePrice: units,
  /** Days a download licence lasts; 0 = perpetual. Default 365. */
  accessDays: z.number().int().min(0).max(36_500).optional(),
  revShareBps: z.number().int().min(0).max(10_000).optional(),
  /** Yes/no terms changed from the preset's (the licence builder); the legal text is then written from them. */
  flags: z.object(Object.fromEntries(TERM_FLAGS.map((flag) => [flag, z.boolean()])) as Record<(typeof TERM_FLAGS)[number], z.ZodBoolean>).partial().optional(),
});
export type TermsRequest = z.infer<typeof termsRequestSchema>;

/** On-chain terms as JSON: the amounts as decimal strings. */
export type TermsJson = Omit<LicenceTerms, 'downloadPrice' | 'computePrice' | 'accessDuration'> & { downloadPrice: string; computePrice: string; accessDuration: string };

/** The terms `request` asks for, priced in the market stablecoin; throws LicenceCombinationError for a bad choice. */
export function termsFor(request: TermsRequest, deployments: Pick<Deployments, 'stablecoin'>, uri: string): LicenceTerms {
  const options = {
    currency: deployments.stablecoin.address,
    downloadPrice: BigInt(request.downloadPrice),
    computePrice: BigInt(request.computePrice),
    accessDuration: request.accessDays === undefined ? DEFAULT_ACCESS_DURATION : BigInt(request.accessDays) * DAY,
    uri,
    revShareBps: request.revShareBps,
  };
  return request.flags ? customTerms(request.preset, request.flags, options) : presetTerms(request.preset, options);
}

/** Checks the request (before anything is stored), stores the legal text, and answers the complete terms. */
export async function licenceTerms(body: unknown, deployments: Pick<Deployments, 'stablecoin'>, store: Pick<ContentStore, 'add'>): Promise<LicenceTerms> {
  const parsed = termsRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new LicenceCombinationError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '), 'send the preset, prices in base units, and optional accessDays and revShareBps');
  }
  const checked = termsFor(parsed.data, deployments, 'ipfs://check');
  const text = parsed.data.flags ? customText(checked) : presetText(parsed.data.preset, parsed.data.revShareBps ?? 0);
  const legal = await store.add(new TextEncoder().encode(text));
  return termsFor(parsed.data, deployments, `ipfs://${legal.cid}`);
}

/** The terms route's answer: {@link licenceTerms} as JSON. */
export async function prepareTerms(body: unknown, deployments: Pick<Deployments, 'stablecoin'>, store: Pick<ContentStore, 'add'>): Promise<{ terms: TermsJson }> {
  const terms = await licenceTerms(body, deployments, store);
  return { terms: { ...terms, downloadPrice: terms.downloadPrice.toString(), computePrice: terms.computePrice.toString(), accessDuration: terms.accessDuration.toString() } };
}

export function termsFromJson(json: TermsJson): LicenceTerms {
  return { ...json, downloadPrice: BigInt(json.downloadPrice), computePrice: BigInt(json.computePrice), accessDuration: BigInt(json.accessDuration) };
}
