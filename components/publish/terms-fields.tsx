'use client';
/**
 * The licence and the prices an owner sells under, as the publish wizard and the compute page's "Publish this
 * model" ask for them: the preset and every term, the access period and revenue share, the download and compute
 * prices, each checked in the words the publish itself would refuse it with.
 */
import { customTerms, presetFlags, TERM_FLAGS, type TermFlags } from '@/lib/licence/custom';
import { licenceProblems, ownerConsequences } from '@/lib/licence/explain';
import { LICENCE_PRESETS, parsePrice, type LicencePreset } from '@/lib/licence/presets';
import type { TermsRequest } from '@/lib/market/terms';
import { formatAmount, type Token } from '@/lib/units';
import { LicenceSummary } from '@/components/licence/licence-summary';
import { Field, INPUT } from './field';

export const PRESET_LABELS: Record<LicencePreset, string> = {
  'non-commercial': 'Non-commercial',
  commercial: 'Commercial',
  'commercial-remix': 'Commercial remix (revenue share)',
  'ai-training': 'AI training',
  'compute-only': 'Compute-only (data never leaves)',
};
const FLAG_LABELS: Record<keyof TermFlags, string> = {
  commercialUse: 'Commercial use',
  commercialAttribution: 'Attribution required for commercial use',
  derivativesAllowed: 'Derivatives (modified or combined data)',
  derivativesAttribution: 'Attribution required on derivatives',
  derivativesReciprocal: 'Derivatives carry this same licence',
  aiTrainingAllowed: 'AI training',
  transferable: 'Licence can be transferred',
  computeOnly: 'Compute-only (the file is never released)',
};
const ZERO = '0x0000000000000000000000000000000000000000';

/** The licence and prices as typed. */
export interface TermsForm {
  preset: LicencePreset;
  flags: TermFlags;
  accessDays: string;
  revSharePercent: string;
  downloadPrice: string;
  computePrice: string;
}

export function initialTerms(preset: LicencePreset): TermsForm {
  return { preset, flags: presetFlags(preset), accessDays: '365', revSharePercent: '0', downloadPrice: '10', computePrice: '' };
}

const revShareBps = (form: TermsForm) => Math.round(Number(form.revSharePercent) * 100);

/** The download price in base units; none for compute-only data, which is never downloaded. */
export function downloadUnits(form: TermsForm, decimals: number): bigint {
  return form.flags.computeOnly ? 0n : parsePrice(form.downloadPrice, decimals);
}

/** The compute price in base units: compute-only data needs one; other data takes no jobs until its owner sets one. */
export function computeUnits(form: TermsForm, decimals: number): bigint {
  return !form.flags.computeOnly && form.computePrice.trim() === '' ? 0n : parsePrice(form.computePrice, decimals);
}

/** The complete terms the form describes (throws the first combination the registry refuses). */
function termsOf(form: TermsForm, downloadPrice: bigint, computePrice: bigint) {
  return customTerms(form.preset, form.flags, { currency: ZERO, downloadPrice, computePrice, accessDuration: BigInt(Number(form.accessDays) || 0) * 86_400n, uri: 'ipfs://x', revShareBps: revShareBps(form) });
}

/** The problems of the licence fields, by field; empty when they may go on. */
export function licenceFieldProblems(form: TermsForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const days = Number(form.accessDays);
  if (!Number.isInteger(days) || days < 0 || days > 36_500) problems.accessDays = 'A whole number of days (0 = perpetual).';
  const share = Number(form.revSharePercent);
  if (!(share >= 0 && share <= 100) || Math.round(share * 100) !== share * 100) problems.revSharePercent = 'A percentage from 0 to 100 with at most two decimals.';
  else {
    const [problem] = licenceProblems({ ...termsOf(form, 0n, 1n), downloadPrice: 0n, computePrice: 1n });
    if (problem) problems.flags = `${problem.message}: ${problem.hint}.`;
  }
  return problems;
}

/** The problems of the price fields, by field. */
export function priceFieldProblems(form: TermsForm, decimals: number): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const [field, units] of [['downloadPrice', downloadUnits], ['computePrice', computeUnits]] as const) {
    try {
      units(form, decimals);
    } catch (error) {
      problems[field] = (error as Error).message;
    }
  }
  if (!problems.downloadPrice && !problems.computePrice) {
    try {
      termsOf(form, downloadUnits(form, decimals), computeUnits(form, decimals));
    } catch (error) {
      problems.computePrice = (error as Error).message;
    }
  }
  return problems;
}

/** What the publish action takes for these terms. */
export function termsRequest(form: TermsForm, decimals: number): TermsRequest {
  return {
    preset: form.preset,
    downloadPrice: downloadUnits(form, decimals).toString(),
    computePrice: computeUnits(form, decimals).toString(),
    accessDays: Number(form.accessDays),
    revShareBps: revShareBps(form),
    flags: form.flags,
  };
}

/** The preset, every term, the access period and revenue share, and what they mean for buyers and for the owner. */
export function LicenceFields({ form, problems, onChange }: { form: TermsForm; problems: Record<string, string>; onChange: (form: TermsForm) => void }) {
  // Shown while the owner builds the licence, even before the combination is valid.
  const terms = { ...form.flags, commercialRevShare: revShareBps(form), accessDuration: BigInt(Number(form.accessDays) || 0) * 86_400n };
  const set = (field: 'accessDays' | 'revSharePercent') => (event: { target: { value: string } }) => onChange({ ...form, [field]: event.target.value });
  return (
    <>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Licence</legend>
        {LICENCE_PRESETS.map((preset) => (
          <label key={preset} className="flex items-center gap-2 text-sm">
            <input type="radio" name="preset" value={preset} checked={form.preset === preset} onChange={() => onChange({ ...form, preset, flags: presetFlags(preset), revSharePercent: '0' })} />
            {PRESET_LABELS[preset]}
          </label>
        ))}
      </fieldset>
      <fieldset className="space-y-2" aria-describedby={problems.flags ? 'flags-problem' : undefined}>
        <legend className="text-sm font-medium">Every term (starts from the preset)</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {TERM_FLAGS.map((flag) => (
            <label key={flag} className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={form.flags[flag]} onChange={(event) => onChange({ ...form, flags: { ...form.flags, [flag]: event.target.checked } })} />
              {FLAG_LABELS[flag]}
            </label>
          ))}
        </div>
        {problems.flags && (
          <p id="flags-problem" className="text-xs text-warn" role="alert">
            {problems.flags}
          </p>
        )}
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Access period (days)" id="accessDays" problem={problems.accessDays} hint="How long a download licence lasts; 0 = perpetual.">
          <input id="accessDays" type="number" min={0} className={INPUT} value={form.accessDays} onChange={set('accessDays')} disabled={form.flags.computeOnly} />
        </Field>
        <Field label="Revenue share on commercial derivatives (%)" id="revSharePercent" problem={problems.revSharePercent}>
          <input id="revSharePercent" type="number" min={0} max={100} step="0.01" className={INPUT} value={form.revSharePercent} onChange={set('revSharePercent')} disabled={!form.flags.commercialUse} />
        </Field>
      </div>
      <section aria-labelledby="buyers-may" className="space-y-3">
        <h2 id="buyers-may" className="text-sm font-semibold">
          What a licensee may do
        </h2>
        <LicenceSummary terms={terms} />
      </section>
      <section aria-labelledby="for-you" className="space-y-2">
        <h2 id="for-you" className="text-sm font-semibold">
          What it means for you
        </h2>
        <ul className="list-disc space-y-1 pl-5 text-sm text-muted">
          {ownerConsequences(terms).map((item) => (
            <li key={item.key}>
              <span className="font-medium text-ink">{item.title}.</span> {item.detail}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** The download licence's price and the price per compute job. */
export function PriceFields({ form, problems, symbol, onChange }: { form: TermsForm; problems: Record<string, string>; symbol: string; onChange: (form: TermsForm) => void }) {
  const set = (field: 'downloadPrice' | 'computePrice') => (event: { target: { value: string } }) => onChange({ ...form, [field]: event.target.value });
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label={`Download licence price (${symbol})`} id="downloadPrice" problem={problems.downloadPrice} hint={form.flags.computeOnly ? 'Compute-only data is never downloaded.' : undefined}>
        <input id="downloadPrice" inputMode="decimal" className={INPUT} value={form.flags.computeOnly ? '0' : form.downloadPrice} onChange={set('downloadPrice')} disabled={form.flags.computeOnly} />
      </Field>
      <Field
        label={`Price per compute job (${symbol})`}
        id="computePrice"
        problem={problems.computePrice}
        hint={form.flags.computeOnly ? "Paid into escrow with each job, besides the provider's time." : "Leave it empty to sell downloads only; with a price, jobs pay it into escrow besides the provider's time."}
      >
        <input id="computePrice" inputMode="decimal" className={INPUT} value={form.computePrice} onChange={set('computePrice')} />
      </Field>
    </div>
  );
}

/** Every price the owner is about to publish, download and compute alike. */
export function Prices({ form, token }: { form: TermsForm; token: Token }) {
  const compute = computeUnits(form, token.decimals);
  return (
    <ul aria-label="Prices" className="space-y-1">
      <li>Download licence: {form.flags.computeOnly ? 'none, compute-only data is never downloaded' : formatAmount(downloadUnits(form, token.decimals), token)}</li>
      <li>Compute job: {compute > 0n ? `${formatAmount(compute, token)} per job, besides the provider’s time` : 'not offered (no compute price)'}</li>
    </ul>
  );
}
