'use client';
/**
 * The publish wizard: file → details → licence → prices → compute (what jobs may run and release, and which
 * providers run them) → encrypt, upload and publish with the wallet (the market's publish flow over the
 * browser's port). Each step checks its fields before the next; nothing is uploaded before the last.
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useState } from 'react';
import { browserPort } from '@/lib/client/port';
import { fileSource } from '@/lib/client/streams';
import { publish as publishDataset, type PublishResult, type PublishStep } from '@/lib/market/actions/publish';
import { assertPublishable, binaryNotice, binaryReason, EmptyFileError, formatOf, HEAD_BYTES, isTabular } from '@/lib/market/files';
import { formatBytes } from '@/lib/units';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { INITIAL_POLICY, PolicyFields, policyProblems, policySummary, publishPolicy, type PolicyForm } from './compute-policy';
import { Field, INPUT } from './field';
import { ProvidersStep } from './providers-step';
import { Published } from './published';
import type { ProviderChoices } from './provider-choices';
import { computeUnits, initialTerms, LicenceFields, licenceFieldProblems, PRESET_LABELS, priceFieldProblems, PriceFields, Prices, termsRequest, type TermsForm } from './terms-fields';

const STEPS = ['File', 'Details', 'Licence', 'Prices', 'Compute', 'Publish'] as const;
export const PROGRESS_LABELS: Record<PublishStep, string> = {
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

interface Form extends TermsForm {
  file: File | null;
  title: string;
  description: string;
  tags: string;
  previewRows: string;
  /** What compute jobs may run and release. */
  policy: PolicyForm;
  /** The ids of the compute providers to allow. */
  providers: string[];
}

const INITIAL: Form = { file: null, title: '', description: '', tags: '', previewRows: '5', ...initialTerms('commercial'), policy: INITIAL_POLICY, providers: [] };

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

/** Compute jobs can run on the data: compute-only, or a compute price above 0 (checked by the Prices step). */
function computeEnabled(form: Form, decimals: number): boolean {
  return form.flags.computeOnly || computeUnits(form, decimals) > 0n;
}

/** The providers to allow: none for data that takes no compute jobs. */
function allowedProviders(form: Form, decimals: number): string[] {
  return computeEnabled(form, decimals) ? form.providers : [];
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
  if (step === 2) Object.assign(problems, licenceFieldProblems(form));
  if (step === 3) Object.assign(problems, priceFieldProblems(form, decimals));
  if (step === 4 && computeEnabled(form, decimals)) Object.assign(problems, policyProblems(form.policy, form.flags.computeOnly));
  return problems;
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
          terms: termsRequest(form, decimals),
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
        {step === 2 && <LicenceFields form={form} problems={shown} onChange={(terms) => setForm({ ...form, ...terms })} />}
        {step === 3 && <PriceFields form={form} problems={shown} symbol={symbol} onChange={(terms) => setForm({ ...form, ...terms })} />}
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
            <Prices form={form} token={market.config.stablecoin} />
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
