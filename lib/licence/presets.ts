/**
 * Licence presets: Story's PIL flavours plus Datagora's own, as complete on-chain terms. Each preset's legal
 * text is stored on IPFS and its CID becomes the terms' `uri`, so identical presets dedupe to one terms id.
 */
import { parseUnits, type Address } from 'viem';
import type { LicenceTerms } from '../contracts';
import { DatagoraError } from '../errors';
import { DAY } from './index';

export const LICENCE_PRESETS = ['non-commercial', 'commercial', 'commercial-remix', 'ai-training', 'compute-only'] as const;
export type LicencePreset = (typeof LICENCE_PRESETS)[number];

/** The terms a preset fixes; currency, prices, access period and legal text come from the publisher. */
type PresetTerms = Omit<LicenceTerms, 'currency' | 'downloadPrice' | 'computePrice' | 'accessDuration' | 'uri'>;

const PRESETS: Record<LicencePreset, { terms: PresetTerms; summary: string }> = {
  'non-commercial': {
    summary:
      'Non-commercial use only. Derivatives are allowed with attribution and must carry the same licence. No AI training. The licence may be transferred.',
    terms: {
      transferable: true,
      commercialUse: false,
      commercialAttribution: false,
      commercialRevShare: 0,
      derivativesAllowed: true,
      derivativesAttribution: true,
      derivativesReciprocal: true,
      aiTrainingAllowed: false,
      computeOnly: false,
    },
  },
  commercial: {
    summary: 'Commercial use with attribution. No derivatives may be redistributed. No AI training.',
    terms: {
      transferable: false,
      commercialUse: true,
      commercialAttribution: true,
      commercialRevShare: 0,
      derivativesAllowed: false,
      derivativesAttribution: false,
      derivativesReciprocal: false,
      aiTrainingAllowed: false,
      computeOnly: false,
    },
  },
  'commercial-remix': {
    summary:
      'Commercial use and derivatives with attribution; derivatives carry the same licence and share the stated percentage of their revenue with the dataset owner. No AI training.',
    terms: {
      transferable: false,
      commercialUse: true,
      commercialAttribution: true,
      commercialRevShare: 500,
      derivativesAllowed: true,
      derivativesAttribution: true,
      derivativesReciprocal: true,
      aiTrainingAllowed: false,
      computeOnly: false,
    },
  },
  'ai-training': {
    summary:
      'Commercial use, including training machine-learning models on the data; trained models are derivatives that need attribution but not the same licence.',
    terms: {
      transferable: false,
      commercialUse: true,
      commercialAttribution: true,
      commercialRevShare: 0,
      derivativesAllowed: true,
      derivativesAttribution: true,
      derivativesReciprocal: false,
      aiTrainingAllowed: true,
      computeOnly: false,
    },
  },
  'compute-only': {
    summary:
      'The raw data is never released. Buyers run approved algorithms next to the data (compute-to-data) and receive only their results, which they may use commercially, including for AI training.',
    terms: {
      transferable: false,
      commercialUse: true,
      commercialAttribution: false,
      commercialRevShare: 0,
      derivativesAllowed: true,
      derivativesAttribution: false,
      derivativesReciprocal: false,
      aiTrainingAllowed: true,
      computeOnly: true,
    },
  },
};

/** A licence preset name that does not exist. */
export class UnknownLicencePresetError extends DatagoraError {
  constructor(name: string) {
    super(`unknown licence preset "${name}"`, `choose one of: ${LICENCE_PRESETS.join(', ')}`);
  }
}

/** A price that is not a non-negative decimal amount of the currency. */
export class InvalidPriceError extends DatagoraError {
  constructor(value: string, problem: string) {
    super(`invalid price "${value}": ${problem}`, 'give a non-negative decimal amount such as 12.5');
  }
}

/** A price left empty: nothing to parse, so nothing to quote back. */
export class MissingPriceError extends DatagoraError {
  constructor() {
    super('enter a price', 'give a non-negative decimal amount such as 12.5');
  }
}

/** Terms that cannot go together. */
export class LicenceCombinationError extends DatagoraError {
  constructor(problem: string, hint: string) {
    super(`invalid licence: ${problem}`, hint);
  }
}

/** Narrows a user-given name to a preset. */
export function parsePreset(name: string): LicencePreset {
  if (!(LICENCE_PRESETS as readonly string[]).includes(name)) throw new UnknownLicencePresetError(name);
  return name as LicencePreset;
}

const MAX_UINT128 = (1n << 128n) - 1n;

/** Parses a decimal amount (e.g. "12.50") into the currency's base units. */
export function parsePrice(value: string, decimals: number): bigint {
  const text = value.trim();
  if (text === '') throw new MissingPriceError();
  if (text.startsWith('-')) throw new InvalidPriceError(value, 'a price cannot be negative');
  if (!/^\d+(\.\d+)?$/.test(text)) throw new InvalidPriceError(value, 'not a decimal number');
  const fraction = text.split('.')[1] ?? '';
  if (fraction.length > decimals) throw new InvalidPriceError(value, `the currency has only ${decimals} decimals`);
  const units = parseUnits(text, decimals);
  if (units > MAX_UINT128) throw new InvalidPriceError(value, 'too large');
  return units;
}

/** The preset's human-readable legal text, stored on IPFS as the terms' uri. */
export function presetText(preset: LicencePreset, revShareBps: number): string {
  const { summary } = PRESETS[preset];
  const share = revShareBps > 0 ? `\nRevenue share on derivatives: ${(revShareBps / 100).toFixed(2)}%.` : '';
  return `Datagora licence: ${preset} (v1)\n\n${summary}${share}\n`;
}

export interface PresetOptions {
  currency: Address;
  downloadPrice: bigint;
  computePrice: bigint;
  /** Seconds a download licence lasts; 0 = perpetual. */
  accessDuration: bigint;
  /** `ipfs://<cid>` of {@link presetText}. */
  uri: string;
  /** Overrides the preset's revenue share (basis points), for commercial-remix. */
  revShareBps?: number;
}

/** Complete on-chain terms for a preset, checked for the combinations the registry would refuse. */
export function presetTerms(preset: LicencePreset, options: PresetOptions): LicenceTerms {
  const { terms } = PRESETS[preset];
  if (terms.computeOnly && options.downloadPrice > 0n) {
    throw new LicenceCombinationError('compute-only data is never downloaded, so it cannot have a download price', 'set only a compute price (--compute-price)');
  }
  if (terms.computeOnly && options.computePrice === 0n) {
    throw new LicenceCombinationError('compute-only data needs a compute price', 'set --compute-price');
  }
  if (options.revShareBps !== undefined && (options.revShareBps < 0 || options.revShareBps > 10_000 || !Number.isInteger(options.revShareBps))) {
    throw new LicenceCombinationError(`revenue share of ${options.revShareBps} basis points`, 'give a whole number of basis points from 0 to 10000');
  }
  if (options.revShareBps && !terms.commercialUse) {
    throw new LicenceCombinationError('a revenue share needs commercial use', 'use a commercial preset such as commercial-remix');
  }
  return {
    ...terms,
    commercialRevShare: options.revShareBps ?? terms.commercialRevShare,
    currency: options.currency,
    downloadPrice: options.downloadPrice,
    computePrice: options.computePrice,
    accessDuration: options.accessDuration,
    uri: options.uri,
  };
}

/** Default access period of a download licence. */
export const DEFAULT_ACCESS_DURATION = 365n * DAY;

/** The preset a set of terms reads as (terms from other tools map to the closest flavour). */
export function presetOf(terms: Pick<LicenceTerms, 'computeOnly' | 'aiTrainingAllowed' | 'commercialUse' | 'derivativesAllowed'>): LicencePreset {
  if (terms.computeOnly) return 'compute-only';
  if (terms.aiTrainingAllowed) return 'ai-training';
  if (!terms.commercialUse) return 'non-commercial';
  return terms.derivativesAllowed ? 'commercial-remix' : 'commercial';
}
