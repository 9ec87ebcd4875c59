'use client';
/**
 * A new compute job: the dataset, the algorithm and its parameters, the environment of a provider the dataset's
 * owner allows and the minutes paid for, with the escrow read from ComputeMarket as the choice changes; then
 * one button pays it and sends the algorithm to the provider.
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { usePublicClient } from 'wagmi';
import { algorithmFile, amountOf, computePort, quoteJob, type JobChoice, type LocalJob } from '@/lib/client/compute';
import { requestJob, sendAlgorithm, type RequestStep } from '@/lib/compute/actions/request';
import { stablecoinBalance } from '@/lib/client/chain';
import type { BrowserWallet } from '@/lib/client/wallet';
import { MAX_ALGORITHM_BYTES, runtimeOf } from '@/lib/compute/algorithm';
import { Section } from '@/components/dataset/section';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { describeFailure, useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { useChainRead } from '@/components/wallet/use-chain-read';
import { DatasetPicker } from './dataset-picker';
import type { DatasetList, ProviderOption } from './options';
import { firstEnvironment, ProviderChoices, useAllowedProviders } from './provider-choices';
import { field, primaryButton, secondaryButton } from './styles';

const DEFAULT_MINUTES = '10';
/** ComputeMarket keeps maxMinutes in a uint32. */
const MAX_MINUTES = 2 ** 32 - 1;

const STEPS: { step: RequestStep; label: string }[] = [
  { step: 'quote', label: 'Check the price and your balance' },
  { step: 'pay', label: 'Approve the stablecoin and pay the escrow' },
  { step: 'submit', label: 'Sign in to the provider and send the algorithm' },
];

interface Form {
  datasetId: string;
  file: File | null;
  params: string;
  /** `providerId:environment`. */
  environment: string;
  minutes: string;
  aiTraining: boolean;
}

/** The chosen dataset's id, or null while none (or no valid one) is. */
const datasetIdOf = (form: Form): string | null => (/^[1-9]\d{0,19}$/.test(form.datasetId) ? form.datasetId : null);

type Problems = Partial<Record<'datasetId' | 'file' | 'params' | 'environment' | 'minutes', string>>;

function problemsOf(form: Form): Problems {
  const problems: Problems = {};
  if (!datasetIdOf(form)) problems.datasetId = 'Choose a dataset.';
  if (!form.file) problems.file = 'Choose the algorithm file.';
  else if (!runtimeOf(form.file.name)) problems.file = 'Providers run Python (.py) and Node.js (.js, .mjs, .cjs) files only.';
  else if (form.file.size > MAX_ALGORITHM_BYTES) problems.file = `Providers accept algorithms up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
  if (form.params.trim()) {
    try {
      JSON.parse(form.params);
    } catch (error) {
      problems.params = `Not JSON: ${(error as Error).message}`;
    }
  }
  if (!form.environment) problems.environment = 'Choose where the job runs.';
  const minutes = Number(form.minutes);
  if (!/^\d+$/.test(form.minutes) || minutes < 1 || minutes > MAX_MINUTES) problems.minutes = 'Give a whole number of minutes, at least 1.';
  return problems;
}

/** The form's choice as the chain takes it, or null while a part of it is missing or invalid. */
function choiceOf(form: Form, problems: Problems): JobChoice | null {
  if (problems.datasetId || problems.environment || problems.minutes) return null;
  const [providerId, environment] = form.environment.split(':');
  return { datasetId: BigInt(form.datasetId), providerId: BigInt(providerId!), environment: Number(environment), maxMinutes: Number(form.minutes), aiTraining: form.aiTraining };
}

function FieldProblem({ id, problem }: { id: string; problem: string | undefined }) {
  return problem ? (
    <p id={id} className="mt-1 text-sm text-warn">
      {problem}
    </p>
  ) : null;
}

function Row({ label, children, strong = false }: { label: string; children: ReactNode; strong?: boolean }) {
  return (
    <div className={`flex items-baseline justify-between gap-4 ${strong ? 'border-t border-line pt-2 font-semibold' : ''}`}>
      <dt className={strong ? '' : 'text-muted'}>{label}</dt>
      <dd className="text-right whitespace-nowrap tabular-nums">{children}</dd>
    </div>
  );
}

/** The escrow as ComputeMarket computes it for the current choice, and the account's balance. */
function Estimate({ choice, address }: { choice: JobChoice | null; address: `0x${string}` | undefined }) {
  const market = useMarket();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  const config = market!.config;
  const quote = useQuery({
    // Keys are hashed as JSON, which has no bigints.
    queryKey: ['compute-quote', address, choice && { ...choice, datasetId: choice.datasetId.toString(), providerId: choice.providerId.toString(), epsilon: choice.epsilon?.toString(), releaseBytes: choice.releaseBytes?.toString() }],
    queryFn: () => quoteJob(publicClient!, config.contracts, choice!, address!),
    enabled: choice !== null && publicClient !== undefined && address !== undefined,
    retry: false,
  });
  const balance = useChainRead(['balance', address], address && ((client) => stablecoinBalance(client, config, address)));
  const amount = (value: bigint) => amountOf(config, value);
  if (!choice) return <p className="text-sm text-muted">Choose a dataset, an environment and the minutes to see the price.</p>;
  if (quote.isPending) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading the prices from the chain…
      </p>
    );
  }
  if (quote.isError) {
    const failure = describeFailure(quote.error);
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
        <p className="font-medium">{failure.message}</p>
        {failure.hint ? <p className="mt-1 text-muted">{failure.hint}</p> : null}
      </div>
    );
  }
  const { dataFee, pricePerMinute, escrow } = quote.data;
  return (
    <div className="space-y-3 text-sm">
      <dl className="space-y-2">
        <Row label="Data fee (the dataset’s compute price)">{amount(dataFee)}</Row>
        <Row label={`Compute, up to ${choice.maxMinutes} min × ${amount(pricePerMinute)}`}>{amount(pricePerMinute * BigInt(choice.maxMinutes))}</Row>
        <Row label="Paid into escrow now" strong>
          {amount(escrow)}
        </Row>
      </dl>
      <p className="text-muted">
        Unused minutes come back to you when the job settles; if nothing is released, the data fee comes back too.
        {balance.data !== undefined ? ` You hold ${amount(balance.data)}.` : ''}
      </p>
    </div>
  );
}

export function JobForm({ providers, datasets, preselectedDataset, onStarted }: { providers: ProviderOption[]; datasets: DatasetList; preselectedDataset: string; onStarted: (job: LocalJob) => void }) {
  const { market, address, isConnected, wrongChain, wallet, state, run } = useBrowserWallet();
  const { openConnectModal } = useConnectModal();
  const [chosen, setChosen] = useState<Form>({ datasetId: preselectedDataset, file: null, params: '', environment: '', minutes: DEFAULT_MINUTES, aiTraining: false });
  const [shown, setShown] = useState<Problems>({});
  const [step, setStep] = useState<RequestStep | null>(null);
  // A job paid whose algorithm did not reach the provider: sending it again needs no new payment.
  const [paid, setPaid] = useState<LocalJob | null>(null);
  const allowed = useAllowedProviders(datasetIdOf(chosen), providers);
  const offered = allowed.data ?? [];
  if (!market) return null;
  // The environment chosen while its provider is offered for the dataset; else the first one offered.
  const stillOffered = offered.some((p) => p.environments.some((env) => `${p.id}:${env.index}` === chosen.environment));
  const form = { ...chosen, environment: stillOffered ? chosen.environment : firstEnvironment(offered) };
  const problems = problemsOf(form);
  const choice = choiceOf(form, problems);
  const working = state.status === 'working';
  const update = (patch: Partial<Form>) => {
    setChosen({ ...form, ...patch });
    setShown({});
  };
  const describedBy = (name: keyof Problems) => (shown[name] ? `${name}-problem` : undefined);

  async function pay() {
    if (Object.keys(problems).length > 0 || !choice || !form.file) {
      setShown(problems);
      return;
    }
    const input = { file: form.file, params: form.params.trim() ? (JSON.parse(form.params) as unknown) : {} };
    setPaid(null);
    const job = await run(
      'Paying for the job',
      async (w) =>
        requestJob(computePort(w), choice, await algorithmFile(input.file), input.params, (next, paidJob) => {
          setStep(next);
          if (paidJob) setPaid(paidJob);
        }),
      'The provider has your algorithm',
    );
    if (job) onStarted(job);
  }

  async function sendAgain(job: LocalJob, file: File) {
    const sent = await run('Sending the algorithm again', async (w) => sendAlgorithm(computePort(w), job, await algorithmFile(file)), 'The provider has your algorithm');
    if (sent) onStarted(sent);
  }

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void pay();
      }}
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] lg:items-start"
    >
      <div className="min-w-0 space-y-6">
        <Section id="job-dataset" title="1. Dataset" intro="Datasets that take compute jobs: compute-only data, or data with a compute price, with an active provider.">
          <DatasetPicker initial={datasets} preselected={preselectedDataset} selectedId={form.datasetId} onSelect={(datasetId) => update({ datasetId })} />
          <FieldProblem id="datasetId-problem" problem={shown.datasetId} />
        </Section>

        <Section
          id="job-algorithm"
          title="2. Algorithm"
          intro="Python runs with numpy, pandas, scikit-learn and matplotlib; Node.js with its standard library. The dataset is at /data/inputs/<dataset id>/0, its description (an Ocean DDO) at /data/ddos/<dataset id>, your parameters at /data/inputs/algoCustomData.json; write results to /data/outputs. There is no network."
        >
          <div className="space-y-4">
            <label className="block text-sm font-medium">
              Algorithm file (.py, .js)
              <input
                type="file"
                accept=".py,.js,.mjs,.cjs"
                aria-invalid={shown.file ? true : undefined}
                aria-describedby={describedBy('file')}
                onChange={(event) => update({ file: event.target.files?.[0] ?? null })}
                className="mt-1 block w-full text-sm file:mr-3 file:rounded-lg file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:font-semibold file:text-ink"
              />
            </label>
            <FieldProblem id="file-problem" problem={shown.file} />
            <label className="block text-sm font-medium">
              Parameters (JSON, optional)
              <textarea
                value={form.params}
                onChange={(event) => update({ params: event.target.value })}
                rows={3}
                spellCheck={false}
                placeholder='{"target": "alert"}'
                aria-invalid={shown.params ? true : undefined}
                aria-describedby={describedBy('params')}
                className={`${field} mt-1 w-full font-mono`}
              />
            </label>
            <FieldProblem id="params-problem" problem={shown.params} />
          </div>
        </Section>

        <Section id="job-environment" title="3. Provider and time" intro="A node the dataset’s owner allows runs the job next to the data: its hardware and price per minute. The job stops when its minutes run out.">
          <fieldset>
            <legend className="sr-only">Provider and environment</legend>
            <ProviderChoices datasetId={datasetIdOf(form)} registered={providers.length} allowed={allowed} value={form.environment} onChange={(environment) => update({ environment })} />
          </fieldset>
          <FieldProblem id="environment-problem" problem={shown.environment} />
          <div className="mt-4 flex flex-wrap items-end gap-x-6 gap-y-3">
            <label className="block text-sm font-medium">
              Minutes at most
              <input
                inputMode="numeric"
                value={form.minutes}
                onChange={(event) => update({ minutes: event.target.value.trim() })}
                aria-invalid={shown.minutes ? true : undefined}
                aria-describedby={describedBy('minutes')}
                className={`${field} mt-1 block w-28`}
              />
            </label>
            <label className="flex items-center gap-2 pb-2 text-sm">
              <input type="checkbox" checked={form.aiTraining} onChange={(event) => update({ aiTraining: event.target.checked })} className="accent-brand" />
              The job trains an AI model
            </label>
          </div>
          <FieldProblem id="minutes-problem" problem={shown.minutes} />
        </Section>
      </div>

      <aside aria-labelledby="job-pay-title" className="space-y-4 rounded-xl border border-line bg-surface p-5 shadow-sm lg:sticky lg:top-6">
        <h2 id="job-pay-title" className="text-lg font-semibold tracking-tight">
          Price and payment
        </h2>
        <Estimate choice={choice} address={address} />
        <p className="rounded-lg bg-brand-soft p-3 text-xs text-ink">
          A key made in this page opens the results, and stays in this browser: open them here, in this browser, with the account that pays.
        </p>
        {!isConnected ? (
          <div className="space-y-2 text-sm">
            <p className="font-medium">Connect your wallet</p>
            <p className="text-muted">It pays the escrow and signs you in to the provider.</p>
            <button type="button" onClick={openConnectModal} disabled={!openConnectModal} className={`${primaryButton} w-full`}>
              Connect wallet
            </button>
          </div>
        ) : wrongChain ? (
          <p role="alert" className="text-sm text-warn">
            Switch your wallet to {market.config.chainName} to pay.
          </p>
        ) : (
          <button type="submit" disabled={!wallet || working || offered.length === 0} className={`${primaryButton} w-full`}>
            {working ? 'Working…' : 'Pay and run the job'}
          </button>
        )}
        {Object.keys(shown).length > 0 ? (
          <p role="alert" className="text-sm text-warn">
            Some choices are missing or invalid: see above.
          </p>
        ) : null}
        {step && (working || state.status === 'failed') ? (
          <ol className="space-y-1 text-sm">
            {STEPS.map(({ step: s, label }, i) => {
              const at = STEPS.findIndex((entry) => entry.step === step);
              return (
                <li key={s} aria-current={s === step ? 'step' : undefined} className={i < at ? 'text-ok' : s === step ? 'font-medium text-ink' : 'text-muted'}>
                  {i < at ? '✓' : `${i + 1}.`} {label}
                </li>
              );
            })}
          </ol>
        ) : null}
        <TransactionStatus state={state} />
        {paid && state.status === 'failed' && form.file ? (
          <div className="space-y-2 rounded-lg border border-line p-3 text-sm">
            <p>
              Job #{paid.jobId.toString()} is paid, but its provider did not get the algorithm. Send it again: no new payment is needed.
            </p>
            <div className="flex flex-wrap gap-2">
              <button type="button" disabled={!wallet} onClick={() => void sendAgain(paid, form.file!)} className={secondaryButton}>
                Send the algorithm again
              </button>
              <button type="button" onClick={() => onStarted(paid)} className={secondaryButton}>
                Open job #{paid.jobId.toString()}
              </button>
            </div>
          </div>
        ) : null}
      </aside>
    </form>
  );
}
