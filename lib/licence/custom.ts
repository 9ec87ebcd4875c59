/**
 * Licences built term by term: a preset's terms with any of its yes/no terms changed, checked against every
 * combination the registry refuses, with a legal text written from the terms themselves.
 */
import type { LicenceTerms } from '../contracts';
import { explainLicence, licenceProblems } from './explain';
import { presetTerms, type LicencePreset, type PresetOptions } from './presets';

/** The yes/no terms a publisher may set one by one. */
export const TERM_FLAGS = ['commercialUse', 'commercialAttribution', 'derivativesAllowed', 'derivativesAttribution', 'derivativesReciprocal', 'aiTrainingAllowed', 'transferable', 'computeOnly'] as const;
export type TermFlags = Pick<LicenceTerms, (typeof TERM_FLAGS)[number]>;

/** The preset's yes/no terms, as a builder starts from them. */
export function presetFlags(preset: LicencePreset): TermFlags {
  const terms = presetTerms(preset, { currency: '0x0000000000000000000000000000000000000000', downloadPrice: 0n, computePrice: 1n, accessDuration: 0n, uri: '' });
  return Object.fromEntries(TERM_FLAGS.map((flag) => [flag, terms[flag]])) as TermFlags;
}

/** `preset` with `flags` changed; throws the first LicenceCombinationError the registry would raise. */
export function customTerms(preset: LicencePreset, flags: Partial<TermFlags>, options: PresetOptions): LicenceTerms {
  const base = presetTerms(preset, { ...options, downloadPrice: 0n, computePrice: 1n, revShareBps: undefined });
  const terms: LicenceTerms = {
    ...base,
    ...flags,
    commercialRevShare: options.revShareBps ?? base.commercialRevShare,
    downloadPrice: options.downloadPrice,
    computePrice: options.computePrice,
  };
  const [problem] = licenceProblems(terms);
  if (problem) throw problem;
  return terms;
}

/** The legal text of terms built term by term: each permission in words, stored on IPFS as the terms' uri. */
export function customText(terms: Parameters<typeof explainLicence>[0]): string {
  const lines = explainLicence(terms).map((item) => `- ${item.allowed === true ? 'Yes' : item.allowed === false ? 'No' : 'With conditions'}: ${item.title}. ${item.detail}`);
  return `Datagora licence: custom (v1)\n\n${lines.join('\n')}\n`;
}
