'use client';
/**
 * The publish wizard: file → details → licence → prices → compute (what jobs may run and release, and which
 * providers run them) → encrypt, upload and publish with the wallet (the market's publish flow over the
 * browser's port). Each step checks its fields before the next; nothing is uploaded before the last.
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useState } from 'react';
import { customTerms, presetFlags, TERM_FLAGS, type TermFlags } from '@/lib/licence/custom';
import { licenceProblems, ownerConsequences } from '@/lib/licence/explain';
import { LICENCE_PRESETS, parsePrice, type LicencePreset } from '@/lib/licence/presets';
import { browserPort } from '@/lib/client/port';
import { fileSource } from '@/lib/client/streams';
import { publish as publishDataset, type PublishResult, type PublishStep } from '@/lib/market/actions/publish';
import { assertPublishable, binaryNotice, binaryReason, EmptyFileError, formatOf, HEAD_BYTES, isTabular } from '@/lib/market/files';
import { formatAmount, formatBytes, type Token } from '@/lib/units';
import { LicenceSummary } from '@/components/licence/licence-summary';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { INITIAL_POLICY, PolicyFields, policyProblems, policySummary, publishPolicy, type PolicyForm } from './compute-policy';
import { Field, INPUT } from './field';
import { ProvidersStep } from './providers-step';
import { Published } from './published';
import type { ProviderChoices } from './provider-choices';

const STEPS = ['File', 'Details', 'Licence', 'Prices', 'Compute', 'Publish'] as const;
const PRESET_LABELS: Record<LicencePreset, string> = {
  'non-commercial': 'Non-commercial',
  commercial: 'Commercial',
  'commercial-remix': 'Commercial remix (revenue share)',
  'ai-training': 'AI training',
  'compute-only': 'Compute-only (data never leaves)',
};
const PROGRESS_LABELS: Record<PublishStep, string> = {
  licence: 'Checking the licence and storing its legal text',
  encrypt: 'Encrypting and uploading in this browser',
  terms: 'Registering the licence terms',
  reserve: 'Reserving the dataset’s id for your account',
  key: 'Sealing the data key to the key network',
  sign: 'Signing the description with your wallet',
  list: 'Listing the dataset on-chain',
  providers: 'Allowing the compute providers you chose',
  budget: 'Setting what compute jobs may release',
};
const ZERO = '0x0000000000000000000000000000000000000000';
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

interface Form {
  file: File | null;
  title: string;
  description: string;
  tags: string;
  previewRows: string;
  preset: LicencePreset;
  flags: TermFlags;
  accessDays: string;
  revSharePercent: string;
  downloadPrice: string;
  computePrice: string;
  /** What compute jobs may run and release. */
  policy: PolicyForm;
  /** The ids of the compute providers to allow. */
  providers: string[];
}

const INITIAL: Form = { file: null, title: '', description: '', tags: '', previewRows: '5', preset: 'commercial', flags: presetFlags('commercial'), accessDays: '365', revSharePercent: '0', downloadPrice: '10', computePrice: '', policy: INITIAL_POLICY, providers: [] };


/** What the owner should know about a CSV or JSON-lines file before going on: that it looks binary, and why. */
async function fileNotice(file: File): Promise<string | undefined> {
  if (!isTabular(formatOf(file.name))) return undefined;
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const reason = binaryReason(head, file.size <= HEAD_BYTES);
  return reason && binaryNotice(file.name, reason);
}

/** Why the file cannot be published, in the words the publish itself would refuse it with. */
function fileProblem(file: File): string | undefined {
  try {
    assertPublishable(file.name, file.size);
    return undefined;
  } catch (error) {
    if (!(error instanceof EmptyFileError)) throw error;
    return `${error.message} — ${error.hint}.`;
  }
}

/** The download price in base units; none for compute-only data, which is never downloaded. */
function downloadUnits(form: Form, decimals: number): bigint {
  return form.flags.computeOnly ? 0n : parsePrice(form.downloadPrice, decimals);
}

/** The compute price in base units: compute-only data needs one; other data takes no jobs until its owner sets one. */
function computeUnits(form: Form, decimals: number): bigint {
  return !form.flags.computeOnly && form.computePrice.trim() === '' ? 0n : parsePrice(form.computePrice, decimals);
}

/** Compute jobs can run on the data: compute-only, or a compute price above 0 (checked by the Prices step). */
function computeEnabled(form: Form, decimals: number): boolean {
  return form.flags.computeOnly || computeUnits(form, decimals) > 0n;
}

/** The providers to allow: none for data that takes no compute jobs. */
function allowedProviders(form: Form, decimals: number): string[] {
  return computeEnabled(form, decimals) ? form.providers : [];
}

/** The complete terms the form describes (throws the first combination the registry refuses). */
function termsOf(form: Form, downloadPrice: bigint, computePrice: bigint) {
  const revShareBps = Math.round(Number(form.revSharePercent) * 100);
  return customTerms(form.preset, form.flags, { currency: ZERO, downloadPrice, computePrice, accessDuration: BigInt(Number(form.accessDays) || 0) * 86_400n, uri: 'ipfs://x', revShareBps });
}

/** The problems of a step's fields; empty when it may go on. */
function problemsOf(step: number, form: Form, decimals: number): Record<string, string> {
  const problems: Record<string, string> = {};
  if (step === 0 && !form.file) problems.file = 'Choose the file to publish.';
  const problem = step === 0 && form.file ? fileProblem(form.file) : undefined;
  if (problem) problems.file = problem;
  if (step === 1) {
    if (!form.title.trim()) problems.title = 'Give the dataset a title.';
    else if (form.title.length > 200) problems.title = 'At most 200 characters.';
    if (form.description.length > 5_000) problems.description = 'At most 5,000 characters.';
    const rows = Number(form.previewRows);
    if (!Number.isInteger(rows) || rows < 0 || rows > 20) problems.previewRows = 'A whole number from 0 to 20.';
  }
  if (step === 2) {
    const days = Number(form.accessDays);
    if (!Number.isInteger(days) || days < 0 || days > 36_500) problems.accessDays = 'A whole number of days (0 = perpetual).';
    const share = Number(form.revSharePercent);
    if (!(share >= 0 && share <= 100) || Math.round(share * 100) !== share * 100) problems.revSharePercent = 'A percentage from 0 to 100 with at most two decimals.';
    else {
      const [problem] = licenceProblems({ ...termsOf(form, 0n, 1n), downloadPrice: 0n, computePrice: 1n });
      if (problem) problems.flags = `${problem.message}: ${problem.hint}.`;
    }
  }
  if (step === 3) {
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
  }
  if (step === 4 && computeEnabled(form, decimals)) Object.assign(problems, policyProblems(form.policy, form.flags.computeOnly));
  return problems;
}

/** Every price the owner is about to publish, download and compute alike. */
function Prices({ download, compute, computeOnly, token }: { download: bigint; compute: bigint; computeOnly: boolean; token: Token }) {
  return (
    <ul aria-label="Prices" className="space-y-1">
      <li>Download licence: {computeOnly ? 'none, compute-only data is never downloaded' : formatAmount(download, token)}</li>
      <li>Compute job: {compute > 0n ? `${formatAmount(compute, token)} per job, besides the provider’s time` : 'not offered (no compute price)'}</li>
    </ul>
  );
}

function AllowedLine({ ids }: { ids: string[] }) {
  return <p>{ids.length === 0 ? 'No compute provider allowed: no compute job can run until you allow one.' : `Compute providers allowed to see the data: ${ids.map((id) => `#${id}`).join(', ')}.`}</p>;
}

export function PublishWizard({ providers }: { providers: ProviderChoices }) {
  const { market, isConnected, wrongChain, wallet, state, run } = useBrowserWallet();
  const { openConnectModal } = useConnectModal();
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<Form>(INITIAL);
  // Kept with its file: a notice read for an earlier choice must not show beside a later one.
  const [notice, setNotice] = useState<{ file: File; text: string } | null>(null);
  const [shown, setShown] = useState<Record<string, string>>({});
  // The upload runs while the listing is prepared: its bar and the latest other step are shown side by side.
  const [progress, setProgress] = useState<PublishStep | null>(null);
  const [encrypted, setEncrypted] = useState<{ bytes: number; total: number } | null>(null);
  const [result, setResult] = useState<PublishResult | null>(null);
  if (!market) return <p className="mt-8 text-muted">The market is not deployed yet: start it with npm start.</p>;
  const { decimals, symbol } = market.config.stablecoin;
  const set = (field: keyof Form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const next = () => {
    const problems = problemsOf(step, form, decimals);
    setShown(problems);
    if (Object.keys(problems).length === 0) setStep(step + 1);
    // The first problem may be above the fold on a phone: bring it into view.
    else requestAnimationFrame(() => document.querySelector('form [role="alert"]')?.scrollIntoView({ block: 'center' }));
  };
  const revShareBps = Math.round(Number(form.revSharePercent) * 100);
  // Shown while the publisher builds the licence, even before the combination is valid.
  const terms = { ...form.flags, commercialRevShare: revShareBps, accessDuration: BigInt(Number(form.accessDays) || 0) * 86_400n };

  async function publish() {
    const file = form.file!;
    const published = await run('Publishing', (w) =>
      publishDataset(
        browserPort(w),
        fileSource(file),
        {
          title: form.title.trim(),
          description: form.description.trim() || undefined,
          tags: form.tags.split(',').map((tag) => tag.trim()).filter(Boolean),
          previewRows: Number(form.previewRows),
          terms: {
            preset: form.preset,
            downloadPrice: downloadUnits(form, decimals).toString(),
            computePrice: computeUnits(form, decimals).toString(),
            accessDays: Number(form.accessDays),
            revShareBps,
            flags: form.flags,
          },
          providers: allowedProviders(form, decimals).map(BigInt),
          ...(computeEnabled(form, decimals) ? publishPolicy(form.policy, form.flags.computeOnly) : {}),
        },
        (p) => (p.step === 'encrypt' ? setEncrypted({ bytes: p.bytes ?? 0, total: p.total ?? 0 }) : setProgress(p.step)),
      ),
      'Published',
    );
    if (published) setResult(published);
  }

  if (result) return <Published result={result} />;

  const working = state.status === 'working';
  return (
    <div className="mt-8">
      <ol className="flex flex-wrap gap-2 text-sm" aria-label="Steps">
        {STEPS.map((name, i) => (
          <li key={name} aria-current={i === step ? 'step' : undefined} className={`rounded-full px-3 py-1 ${i === step ? 'bg-brand text-brand-ink' : i < step ? 'bg-brand-soft text-ink' : 'border border-line text-muted'}`}>
            {i + 1}. {name}
          </li>
        ))}
      </ol>
      <form
        className="mt-6 space-y-5 rounded-xl border border-line bg-surface p-6"
        onSubmit={(event) => {
          event.preventDefault();
          if (step < STEPS.length - 1) next();
          else void publish();
        }}
        noValidate
      >
        {step === 0 && (
          <Field label="Dataset file" id="file" problem={shown.file} hint="CSV, TSV, JSON lines, JSON, Parquet, text or an archive. Read and encrypted in a stream, so large files are fine.">
            <input
              id="file"
              type="file"
              className={INPUT}
              onChange={(event) => {
                const file = event.target.files?.[0] ?? null;
                setForm({ ...form, file });
                if (file) void fileNotice(file).then((text) => text && setNotice({ file, text }));
              }}
            />
            {form.file && (
              <p className="text-sm text-muted">
                {form.file.name} · {formatBytes(form.file.size)} · {formatOf(form.file.name)}
              </p>
            )}
            {form.file && notice?.file === form.file && (
              <p className="text-sm text-warn" role="status">
                {notice.text}
              </p>
            )}
          </Field>
        )}
        {step === 1 && (
          <>
            <Field label="Title" id="title" problem={shown.title}>
              <input id="title" className={INPUT} value={form.title} onChange={set('title')} maxLength={200} required />
            </Field>
            <Field label="Description" id="description" problem={shown.description} hint="What the data is, how it was collected, what it is good for.">
              <textarea id="description" className={INPUT} rows={4} value={form.description} onChange={set('description')} />
            </Field>
            <Field label="Tags" id="tags" hint="Comma-separated, e.g. weather, europe, hourly.">
              <input id="tags" className={INPUT} value={form.tags} onChange={set('tags')} />
            </Field>
            <Field label="Public preview rows" id="previewRows" problem={shown.previewRows} hint="The first rows of a CSV or JSON-lines file, shown to everyone; 0 for none.">
              <input id="previewRows" type="number" min={0} max={20} className={INPUT} value={form.previewRows} onChange={set('previewRows')} />
            </Field>
          </>
        )}
        {step === 2 && (
          <>
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium">Licence</legend>
              {LICENCE_PRESETS.map((preset) => (
                <label key={preset} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="preset" value={preset} checked={form.preset === preset} onChange={() => setForm({ ...form, preset, flags: presetFlags(preset), revSharePercent: '0' })} />
                  {PRESET_LABELS[preset]}
                </label>
              ))}
            </fieldset>
            <fieldset className="space-y-2" aria-describedby={shown.flags ? 'flags-problem' : undefined}>
              <legend className="text-sm font-medium">Every term (starts from the preset)</legend>
              <div className="grid gap-2 sm:grid-cols-2">
                {TERM_FLAGS.map((flag) => (
                  <label key={flag} className="flex items-center gap-2 text-sm">
                    <input type="checkbox" checked={form.flags[flag]} onChange={(event) => setForm({ ...form, flags: { ...form.flags, [flag]: event.target.checked } })} />
                    {FLAG_LABELS[flag]}
                  </label>
                ))}
              </div>
              {shown.flags && (
                <p id="flags-problem" className="text-xs text-warn" role="alert">
                  {shown.flags}
                </p>
              )}
            </fieldset>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Access period (days)" id="accessDays" problem={shown.accessDays} hint="How long a download licence lasts; 0 = perpetual.">
                <input id="accessDays" type="number" min={0} className={INPUT} value={form.accessDays} onChange={set('accessDays')} disabled={form.flags.computeOnly} />
              </Field>
              <Field label="Revenue share on commercial derivatives (%)" id="revSharePercent" problem={shown.revSharePercent}>
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
        )}
        {step === 3 && (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={`Download licence price (${symbol})`} id="downloadPrice" problem={shown.downloadPrice} hint={form.flags.computeOnly ? 'Compute-only data is never downloaded.' : undefined}>
              <input id="downloadPrice" inputMode="decimal" className={INPUT} value={form.flags.computeOnly ? '0' : form.downloadPrice} onChange={set('downloadPrice')} disabled={form.flags.computeOnly} />
            </Field>
            <Field
              label={`Price per compute job (${symbol})`}
              id="computePrice"
              problem={shown.computePrice}
              hint={form.flags.computeOnly ? "Paid into escrow with each job, besides the provider's time." : "Leave it empty to sell downloads only; with a price, jobs pay it into escrow besides the provider's time."}
            >
              <input id="computePrice" inputMode="decimal" className={INPUT} value={form.computePrice} onChange={set('computePrice')} />
            </Field>
          </div>
        )}
        {step === 4 && (
          <>
            {computeEnabled(form, decimals) && <PolicyFields form={form.policy} computeOnly={form.flags.computeOnly} problems={shown} onChange={(policy) => setForm({ ...form, policy })} />}
            <ProvidersStep choices={providers} selected={form.providers} onChange={(ids) => setForm({ ...form, providers: ids })} computeEnabled={computeEnabled(form, decimals)} />
          </>
        )}
        {step === 5 && (
          <div className="space-y-4 text-sm">
            <p>
              <strong>{form.title}</strong> · {form.file?.name} ({formatBytes(form.file?.size ?? 0)}) · {PRESET_LABELS[form.preset]}
            </p>
            <Prices download={downloadUnits(form, decimals)} compute={computeUnits(form, decimals)} computeOnly={form.flags.computeOnly} token={market.config.stablecoin} />
            {computeEnabled(form, decimals) && (
              <>
                <p>{policySummary(form.policy, form.flags.computeOnly)}</p>
                <AllowedLine ids={allowedProviders(form, decimals)} />
              </>
            )}
            {(progress || encrypted) && (
              <div className="space-y-2">
                {encrypted && encrypted.bytes < encrypted.total && (
                  <>
                    <p>{PROGRESS_LABELS.encrypt}</p>
                    <progress className="w-full" max={encrypted.total} value={encrypted.bytes} aria-label="Encrypted and uploaded">
                      {formatBytes(encrypted.bytes)}
                    </progress>
                  </>
                )}
                {progress && progress !== 'encrypt' && <p>{PROGRESS_LABELS[progress]}</p>}
              </div>
            )}
            <TransactionStatus state={state} />
            {!isConnected && (
              <button type="button" onClick={openConnectModal} className="rounded-md border border-line px-4 py-2 font-medium">
                Connect your wallet to publish
              </button>
            )}
            {wrongChain && <p className="text-warn">Switch your wallet to {market.config.chainName} to publish.</p>}
          </div>
        )}
        <div className="flex justify-between gap-3 pt-2">
          <button type="button" onClick={() => setStep(step - 1)} disabled={step === 0 || working} className="rounded-md border border-line px-4 py-2 text-sm font-medium disabled:opacity-50">
            Back
          </button>
          {step < STEPS.length - 1 ? (
            <button type="submit" className="rounded-md bg-brand px-4 py-2 text-sm font-medium text-brand-ink">
              Next
            </button>
          ) : (
            <button type="submit" disabled={!wallet || working} className="rounded-md bg-brand px-4 py-2 text-sm font-medium text-brand-ink disabled:opacity-50">
              {working ? 'Publishing…' : 'Encrypt, upload and publish'}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
