/**
 * Licence terms in plain language: what a licensee may and may not do (the dataset page), what each term
 * means for the owner (the publish wizard), and the combinations the registry refuses, found before a
 * transaction is sent.
 */
import type { LicenceTerms } from '../contracts';
import { DAY } from './index';
import { LicenceCombinationError } from './presets';

/** The terms that decide what a licensee may do (prices, currency and legal text aside). */
export type PermissionTerms = Pick<
  LicenceTerms,
  | 'accessDuration'
  | 'commercialRevShare'
  | 'computeOnly'
  | 'aiTrainingAllowed'
  | 'transferable'
  | 'commercialUse'
  | 'commercialAttribution'
  | 'derivativesAllowed'
  | 'derivativesAttribution'
  | 'derivativesReciprocal'
>;

/** The terms the registry checks together (currency and legal text aside). */
export type CheckedTerms = PermissionTerms & Pick<LicenceTerms, 'downloadPrice' | 'computePrice'>;

/** One aspect of a licence, in the order the lists give them. */
export type LicenceItemKey = 'computeOnly' | 'commercial' | 'derivatives' | 'aiTraining' | 'transferable' | 'access';

/** `conditional`: allowed as long as the licensee does what `detail` says. */
export type Permission = boolean | 'conditional';

export interface LicenceItem {
  key: LicenceItemKey;
  allowed: Permission;
  title: string;
  detail: string;
}

/** What one aspect of the terms means for the dataset's owner. */
export interface OwnerConsequence {
  key: LicenceItemKey;
  title: string;
  detail: string;
}

const BPS = 10_000;
const HOUR = 3_600n;

/** Basis points as a percentage: 500 → "5%", 250 → "2.5%". */
export function percent(bps: number): string {
  return `${bps / 100}%`;
}

const plural = (count: bigint, unit: string) => `${count} ${unit}${count === 1n ? '' : 's'}`;

/** An access period in the largest whole unit: "365 days", "12 hours", "90 seconds". */
export function periodText(seconds: bigint): string {
  if (seconds % DAY === 0n) return plural(seconds / DAY, 'day');
  if (seconds % HOUR === 0n) return plural(seconds / HOUR, 'hour');
  return plural(seconds, 'second');
}

/** "a", "a and b", "a, b and c". */
function joined(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function commercial(terms: PermissionTerms, subject: string): LicenceItem {
  if (!terms.commercialUse) {
    return { key: 'commercial', allowed: false, title: 'No commercial use', detail: `Use ${subject} only for research, teaching or personal projects, not in anything sold or run for profit.` };
  }
  const conditions = [
    ...(terms.commercialAttribution ? ['credit the owner'] : []),
    ...(terms.commercialRevShare > 0 ? [`pay the owner ${percent(terms.commercialRevShare)} of the revenue from commercial derivatives`] : []),
  ];
  const use = `You may use ${subject} in products and services you earn money from`;
  return conditions.length === 0
    ? { key: 'commercial', allowed: true, title: 'Commercial use', detail: `${use}.` }
    : { key: 'commercial', allowed: 'conditional', title: 'Commercial use, with conditions', detail: `${use}, provided you ${joined(conditions)}.` };
}

function derivatives(terms: PermissionTerms, subject: string): LicenceItem {
  if (!terms.derivativesAllowed) {
    return { key: 'derivatives', allowed: false, title: 'No derivatives', detail: `You may not publish or share modified versions of ${subject}, or datasets and works built from it.` };
  }
  const conditions = [...(terms.derivativesAttribution ? ['credit the owner'] : []), ...(terms.derivativesReciprocal ? ['share them under this same licence'] : [])];
  const build = `You may publish new datasets and works built from ${subject}`;
  return conditions.length === 0
    ? { key: 'derivatives', allowed: true, title: 'Derivatives allowed', detail: `${build}.` }
    : { key: 'derivatives', allowed: 'conditional', title: 'Derivatives, with conditions', detail: `${build}, provided you ${joined(conditions)}.` };
}

/** What a licensee may and may not do under `terms`, one item per aspect (LicenceItemKey, in its order). */
export function explainLicence(terms: PermissionTerms): LicenceItem[] {
  // Compute-only buyers never hold the data: what they use, share and sell are their jobs' results.
  const subject = terms.computeOnly ? 'the results of your compute jobs' : 'the data';
  return [
    terms.computeOnly
      ? {
          key: 'computeOnly',
          allowed: false,
          title: 'No download: compute-only',
          detail: 'The raw data never leaves the provider’s node. You pay per compute job; your algorithm runs next to the data and you receive only its results.',
        }
      : { key: 'computeOnly', allowed: true, title: 'Download', detail: 'Your licence unlocks the full file: you download it and decrypt it on your own machine.' },
    commercial(terms, subject),
    derivatives(terms, subject),
    terms.aiTrainingAllowed
      ? {
          key: 'aiTraining',
          allowed: true,
          title: 'AI training allowed',
          detail: terms.computeOnly
            ? 'You may train machine-learning models on the data in your compute jobs; the trained models come back to you as results.'
            : 'You may train and fine-tune machine-learning models on the data.',
        }
      : { key: 'aiTraining', allowed: false, title: 'No AI training', detail: 'You may not use the data to train or fine-tune machine-learning models.' },
    terms.transferable
      ? { key: 'transferable', allowed: true, title: 'Transferable', detail: 'You may pass your licence on to another account.' }
      : {
          key: 'transferable',
          allowed: false,
          title: 'Not transferable',
          detail: terms.computeOnly ? 'Each compute job belongs to the account that paid for it.' : 'The licence stays with the account that bought it.',
        },
    access(terms),
  ];
}

function access(terms: PermissionTerms): LicenceItem {
  if (terms.computeOnly) {
    return { key: 'access', allowed: true, title: 'Pay per job', detail: 'No licence period: each compute job is paid for on its own, and its results are yours to keep.' };
  }
  if (terms.accessDuration === 0n) return { key: 'access', allowed: true, title: 'Perpetual access', detail: 'Your licence never expires.' };
  const period = periodText(terms.accessDuration);
  return {
    key: 'access',
    allowed: 'conditional',
    title: `Access for ${period}`,
    detail: `Your licence lasts ${period} from purchase; buying again extends it by another ${period}.`,
  };
}

/** What each aspect of `terms` means for the dataset's owner, in the same order as explainLicence. */
export function ownerConsequences(terms: PermissionTerms): OwnerConsequence[] {
  const credit = terms.commercialAttribution ? ' and must credit you' : '';
  const share =
    terms.commercialRevShare > 0
      ? ` Commercial derivatives owe you ${percent(terms.commercialRevShare)} of their revenue: the licence records the obligation on-chain, but the market does not collect it for you.`
      : '';
  const derivativeConditions = [...(terms.derivativesAttribution ? ['crediting you'] : []), ...(terms.derivativesReciprocal ? ['under this same licence'] : [])];
  const period = periodText(terms.accessDuration);
  const yours = terms.computeOnly ? 'the results of their jobs' : 'your data';
  return [
    terms.computeOnly
      ? { key: 'computeOnly', title: 'Compute-only', detail: 'Buyers never get the file: they pay per job, their algorithm runs on a provider’s node next to the data, and they see only its results.' }
      : { key: 'computeOnly', title: 'Downloadable', detail: 'Each buyer gets the full decrypted file. A downloaded copy is out of your hands: from then on the licence is what governs its use.' },
    terms.commercialUse
      ? { key: 'commercial', title: 'Commercial use', detail: `Businesses may build products on ${yours}${credit}.${share}` }
      : { key: 'commercial', title: 'Non-commercial', detail: 'Buyers may not use the data for profit: it suits research and teaching, not businesses.' },
    terms.derivativesAllowed
      ? { key: 'derivatives', title: 'Derivatives allowed', detail: `Buyers may publish datasets and works built from ${yours}${derivativeConditions.length ? `, ${joined(derivativeConditions)}` : ''}.` }
      : { key: 'derivatives', title: 'No derivatives', detail: 'Buyers may not share modified versions of your data or datasets built from it.' },
    terms.aiTrainingAllowed
      ? {
          key: 'aiTraining',
          title: 'AI training allowed',
          detail: `Buyers may train machine-learning models on your data.${terms.computeOnly ? ' Training runs next to the data; only the trained model leaves the node.' : ''}`,
        }
      : { key: 'aiTraining', title: 'No AI training', detail: 'Buyers may not train models on your data, and compute jobs that declare AI training are refused.' },
    terms.transferable
      ? { key: 'transferable', title: 'Transferable', detail: 'A buyer may pass the licence on to another account, which then uses the data without paying you again.' }
      : { key: 'transferable', title: 'Not transferable', detail: terms.computeOnly ? 'Every account pays for its own jobs.' : 'Every account that wants the data buys its own licence.' },
    terms.computeOnly
      ? { key: 'access', title: 'Pay per job', detail: 'You earn the compute price on every job, less the market fee; there is no licence period.' }
      : terms.accessDuration === 0n
        ? { key: 'access', title: 'Perpetual', detail: 'One purchase gives access for ever: buyers never need to renew.' }
        : { key: 'access', title: `Access for ${period}`, detail: `Licences expire ${period} after purchase; buyers who still need the data buy again.` },
  ];
}

/**
 * Every combination in `terms` that the registry (DatasetRegistry._validate) or the presets refuse, as the
 * errors a publish would fail with; empty when the terms can be registered. The registry's currency check
 * needs the chain and is left to it.
 */
export function licenceProblems(terms: CheckedTerms): LicenceCombinationError[] {
  const problems: LicenceCombinationError[] = [];
  const add = (problem: string, hint: string) => problems.push(new LicenceCombinationError(problem, hint));
  const share = terms.commercialRevShare;
  if (!Number.isInteger(share) || share < 0 || share > BPS) add(`revenue share of ${share} basis points`, 'give a whole number of basis points from 0 to 10000');
  if (!terms.commercialUse && terms.commercialAttribution) add('commercial attribution without commercial use', 'allow commercial use or drop the attribution term');
  if (!terms.commercialUse && share !== 0) add('a revenue share needs commercial use', 'allow commercial use or set the revenue share to 0');
  if (!terms.derivativesAllowed && terms.derivativesAttribution) add('derivative attribution without derivatives', 'allow derivatives or drop the attribution term');
  if (!terms.derivativesAllowed && terms.derivativesReciprocal) add('reciprocal licensing without derivatives', 'allow derivatives or drop the reciprocal term');
  if (terms.computeOnly && terms.downloadPrice > 0n) add('compute-only data is never downloaded, so it cannot have a download price', 'set only a compute price');
  if (terms.computeOnly && terms.computePrice === 0n) add('compute-only data needs a compute price', 'set a compute price');
  if (terms.computeOnly && terms.transferable) add('compute-only licences cannot be transferable', 'drop the transferable term');
  if (terms.accessDuration < 0n || terms.accessDuration >= 1n << 64n) add(`an access period of ${terms.accessDuration} seconds`, 'give 0 (perpetual) or a positive number of seconds that fits in 64 bits');
  return problems;
}
