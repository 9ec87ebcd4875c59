'use client';
/**
 * "Publish this model": an output of a delivered training job — or the final model of a federated training, among
 * the outputs of each of its jobs — published as a model derived from each job's dataset, through the market's
 * publish action over the wallet, with the licence and prices of the publish wizard. The action checks every
 * parent's terms and proves the file is one of each job's outputs, against the receipts the page verified and the
 * chain, before anything is uploaded or signed; each sale of the model then pays every dataset's owner the share
 * its licence sets.
 */
import { useState } from 'react';
import { derivativePort, type OpenedJob, type ReleasedFile } from '@/lib/client/compute';
import { fileSource } from '@/lib/client/streams';
import { publish, type PublishResult, type PublishStep } from '@/lib/market/actions/publish';
import { Field, INPUT } from '@/components/publish/field';
import { PROGRESS_LABELS } from '@/components/publish/publish-wizard';
import { Published } from '@/components/publish/published';
import { initialTerms, LicenceFields, licenceFieldProblems, priceFieldProblems, PriceFields, Prices, termsRequest, type TermsForm } from '@/components/publish/terms-fields';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { primaryButton, secondaryButton } from './styles';

interface Form extends TermsForm {
  title: string;
  description: string;
  tags: string;
}

/** The file's own name, which says its format. */
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function problemsOf(form: Form, decimals: number): Record<string, string> {
  const problems: Record<string, string> = { ...licenceFieldProblems(form), ...priceFieldProblems(form, decimals) };
  if (!form.title.trim()) problems.title = 'Give the model a title.';
  else if (form.title.length > 200) problems.title = 'At most 200 characters.';
  if (form.description.length > 5_000) problems.description = 'At most 5,000 characters.';
  return problems;
}

export function PublishModel({ jobs, file, onCancel }: { jobs: readonly OpenedJob[]; file: ReleasedFile; onCancel: () => void }) {
  const { market, wallet, state, run } = useBrowserWallet();
  const [form, setForm] = useState<Form>({ title: '', description: '', tags: 'model', ...initialTerms('ai-training') });
  const [shown, setShown] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState<PublishStep | null>(null);
  const [result, setResult] = useState<PublishResult | null>(null);
  if (!market) return null;
  const { decimals, symbol } = market.config.stablecoin;
  const set = (field: 'title' | 'description' | 'tags') => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });

  async function submit() {
    const problems = problemsOf(form, decimals);
    setShown(problems);
    if (Object.keys(problems).length > 0) {
      requestAnimationFrame(() => document.querySelector('#publish-model [role="alert"]')?.scrollIntoView({ block: 'center' }));
      return;
    }
    const published = await run(
      'Publishing the model',
      (w) =>
        publish(
          derivativePort(w, jobs),
          fileSource(new File([file.blob], baseName(file.path))),
          {
            title: form.title.trim(),
            description: form.description.trim() || undefined,
            tags: form.tags.split(',').map((tag) => tag.trim()).filter(Boolean),
            previewRows: 0,
            terms: termsRequest(form, decimals),
            derivation: { kind: 'model', parents: jobs.map(({ jobId, job }) => ({ parentId: job.datasetId, jobId })) },
          },
          (p) => p.step !== 'encrypt' && setProgress(p.step),
        ),
      'Model published',
    );
    if (published) setResult(published);
  }

  if (result) return <Published result={result} noun="model" />;
  const working = state.status === 'working';
  return (
    <section id="publish-model" aria-labelledby="publish-model-title" className="space-y-5 rounded-lg border border-brand/40 p-4 sm:p-5">
      <div className="space-y-1">
        <h5 id="publish-model-title" className="font-semibold">
          Publish <span className="font-mono">{file.path}</span> as a model
        </h5>
        <p className="text-sm text-muted">
          {jobs.length === 1
            ? `It is registered as derived from dataset #${jobs[0]!.job.datasetId} through job #${jobs[0]!.jobId}: the registry checks that this file is one of the job’s outputs, and every sale of the model pays the dataset’s owner the share its licence sets.`
            : `It is registered as derived from ${jobs.map(({ jobId, job }) => `dataset #${job.datasetId} (job #${jobId})`).join(', ')}: the registry checks that this file is one of each job’s outputs, and every sale of the model pays each dataset’s owner the share its licence sets.`}
        </p>
      </div>
      <form
        className="space-y-5"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field label="Title" id="model-title" problem={shown.title}>
          <input id="model-title" className={INPUT} value={form.title} onChange={set('title')} maxLength={200} required />
        </Field>
        <Field label="Description" id="model-description" problem={shown.description} hint="What the model predicts, from which columns, and how it was trained.">
          <textarea id="model-description" className={INPUT} rows={3} value={form.description} onChange={set('description')} />
        </Field>
        <Field label="Tags" id="model-tags" hint="Comma-separated.">
          <input id="model-tags" className={INPUT} value={form.tags} onChange={set('tags')} />
        </Field>
        <LicenceFields form={form} problems={shown} onChange={(terms) => setForm({ ...form, ...terms })} />
        <PriceFields form={form} problems={shown} symbol={symbol} onChange={(terms) => setForm({ ...form, ...terms })} />
        <div className="text-sm">
          <Prices form={form} token={market.config.stablecoin} />
        </div>
        {working && progress ? <p className="text-sm">{PROGRESS_LABELS[progress]}</p> : null}
        <TransactionStatus state={state} />
        <div className="flex flex-wrap gap-3">
          <button type="submit" disabled={!wallet || working} className={primaryButton}>
            {working ? 'Publishing…' : 'Publish the model'}
          </button>
          <button type="button" onClick={onCancel} disabled={working} className={secondaryButton}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
