'use client';
/**
 * A new federated training: two datasets or more, each trained where it lies on a provider of its own that its
 * owner allows (the SDK's assignProviders), the local step each provider runs (the bundled example or the buyer's
 * file) with its parameters, and the plan — rounds, clip norm, noise multiplier — with the ε it spends of each
 * dataset; then one button pays every dataset's job at once and joins every provider, and the page aggregates the
 * rounds (./federated-training.tsx).
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { usePublicClient } from 'wagmi';
import { algorithmFile, computePort } from '@/lib/client/compute';
import { ownedDataset } from '@/lib/client/owner';
import type { BrowserWallet } from '@/lib/client/wallet';
import { federatedPlan, requestFederated, type FederatedRun, type FederatedStep } from '@/lib/compute/actions/federated';
import type { AlgorithmFile } from '@/lib/compute/actions/request';
import { checkParameters } from '@/lib/compute/algorithm';
import { allowedProviders } from '@/lib/compute/buyer/quote';
import type { ResultKey } from '@/lib/compute/results';
import { Section } from '@/components/dataset/section';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { describeFailure, useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { DatasetPicker, type PickerWords } from './dataset-picker';
import { EXAMPLE, federatedChoiceOf, federatedProblems, initialForm, privacyText, providerAssignment, type FederatedForm as Form, type FederatedProblems } from './federated-choice';
import { FederatedPrice, useFederatedQuote } from './federated-price';
import { PaySteps } from './pay-steps';
import { linkedDatasets } from './job-choice';
import type { DatasetList, ProviderOption } from './options';
import { choiceCard, field, primaryButton } from './styles';

const WORDS: PickerWords = {
  none: 'Tick two datasets or more: each trains the model on a provider of its own, and only their masked updates meet.',
  count: (n) => (n === 1 ? 'The model trains on 1 dataset: add another' : `The model trains on ${n} datasets, each where it lies`),
};

const STEPS: { step: FederatedStep; label: string }[] = [
  { step: 'quote', label: 'Check every dataset’s price and your balance' },
  { step: 'pay', label: 'Approve the stablecoin and pay every job’s escrow' },
  { step: 'join', label: 'Sign in to each provider and send the plan and local step' },
];

async function fetchExample(): Promise<AlgorithmFile> {
  const response = await fetch(EXAMPLE.href);
  if (!response.ok) throw new Error(((await response.json().catch(() => ({}))) as { message?: string }).message ?? `the example answered HTTP ${response.status}`);
  return { name: EXAMPLE.name, content: new Uint8Array(await response.arrayBuffer()) };
}

function FieldProblem({ id, problem }: { id: string; problem: string | undefined }) {
  return problem ? (
    <p id={id} className="mt-1 text-sm text-warn">
      {problem}
    </p>
  ) : null;
}

/** Each dataset and the provider it trains on, or why there is none. */
function Participants({ datasetIds, datasets, providers, allowed, assignment }: { datasetIds: string[]; datasets: DatasetList; providers: ProviderOption[]; allowed: { isPending: boolean; error: unknown }; assignment: ReturnType<typeof providerAssignment> | null }) {
  const empty = 'rounded-lg border border-dashed border-line p-4 text-center text-sm text-muted';
  if (datasetIds.length < 2) return <p className={empty}>Choose two datasets or more to see where each one trains.</p>;
  if (allowed.error) {
    return (
      <p role="alert" className="text-sm text-warn">
        The providers the datasets’ owners allow cannot be read: {describeFailure(allowed.error).message}
      </p>
    );
  }
  if (allowed.isPending || !assignment) {
    return (
      <p role="status" className={empty}>
        Reading which providers each owner allows…
      </p>
    );
  }
  if ('problem' in assignment) return <p className={empty}>{assignment.problem}</p>;
  const titleOf = (id: string) => (datasets.available ? datasets.items.find((item) => item.id === id)?.title : null);
  return (
    <ul aria-label="Where each dataset trains" className="space-y-2">
      {datasetIds.map((id, i) => {
        const provider = providers.find((p) => p.id === assignment.providerIds[i]!.toString());
        const environment = provider?.environments[0];
        return (
          <li key={id} className="rounded-lg border border-line p-3 text-sm">
            <span className="block font-medium">
              <span className="text-muted">#{id}</span> {titleOf(id) ?? ''}
            </span>
            <span className="mt-1 flex flex-wrap items-baseline justify-between gap-x-3">
              <span>
                trains on <span className="font-medium">Provider #{assignment.providerIds[i]!.toString()}</span>
                {environment ? ` · ${environment.label}` : ''}
              </span>
              {environment ? <span className="tabular-nums">{environment.pricePerMinute} / min</span> : null}
            </span>
            {provider ? <span className="mt-1 block truncate font-mono text-xs text-muted">{provider.endpoint}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

function NumberField({ label, value, problem, name, hint, onChange }: { label: string; value: string; problem: string | undefined; name: keyof FederatedProblems; hint?: string; onChange: (value: string) => void }) {
  return (
    <label className="block text-sm font-medium">
      {label}
      <input inputMode="decimal" value={value} onChange={(event) => onChange(event.target.value.trim())} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${name}-problem` : undefined} className={`${field} mt-1 block w-28`} />
      {hint ? <span className="mt-1 block text-xs font-normal text-muted">{hint}</span> : null}
    </label>
  );
}

export function FederatedForm({ providers, datasets, preselectedDataset, onStarted }: { providers: ProviderOption[]; datasets: DatasetList; preselectedDataset: string; onStarted: (run: FederatedRun<ResultKey>) => void }) {
  const market = useMarket();
  const { address, isConnected, wrongChain, wallet, state, run } = useBrowserWallet();
  const { openConnectModal } = useConnectModal();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  const [form, setForm] = useState<Form>(() => initialForm(linkedDatasets(preselectedDataset)));
  const [shown, setShown] = useState<FederatedProblems>({});
  const [step, setStep] = useState<FederatedStep | null>(null);
  const problems = federatedProblems(form);
  const { datasetIds } = form;
  const activeIds = providers.map((p) => BigInt(p.id));
  const allowed = useQuery({
    queryKey: ['federated-allowed', datasetIds, providers.map((p) => p.id)],
    queryFn: () => Promise.all(datasetIds.map((id) => allowedProviders(publicClient!, market!.config.contracts.computeMarket, BigInt(id), activeIds))),
    enabled: datasetIds.length >= 2 && !problems.datasetId && publicClient !== undefined && market !== null,
    retry: false,
  });
  const assignment = allowed.data ? providerAssignment(datasetIds, allowed.data) : null;
  const algorithm = useQuery({
    queryKey: ['federated-algorithm', form.source, form.file?.name, form.file?.size, form.file?.lastModified],
    queryFn: () => (form.source === 'example' ? fetchExample() : algorithmFile(form.file!)),
    enabled: form.source === 'example' || (form.file !== null && !problems.file),
    retry: false,
    staleTime: Infinity,
  });
  // Each dataset's signed document: the columns the local step's parameters may name.
  const documents = useQueries({ queries: datasetIds.map((id) => ({ queryKey: ['dataset-document', id], queryFn: async () => (await ownedDataset(BigInt(id))).document, retry: false })) });
  const choice = federatedChoiceOf(form, problems, assignment && 'providerIds' in assignment ? assignment.providerIds : null);
  let planned: { plan: ReturnType<typeof federatedPlan> } | { problem: string } | null = null;
  if (choice && algorithm.data) {
    try {
      planned = { plan: federatedPlan(choice, algorithm.data) };
      // A parameter naming a column some dataset lacks would fail its provider's first round, after paying.
      for (const [i, id] of datasetIds.entries()) {
        const document = documents[i]?.data;
        if (document) checkParameters(algorithm.data.content, choice.params, { id: BigInt(id), columns: document.columns });
      }
    } catch (error) {
      planned = { problem: describeFailure(error).message };
    }
  }
  const plan = planned && 'plan' in planned ? planned.plan : null;
  const quote = useFederatedQuote(choice, plan, address);
  if (!market) return null;
  const working = state.status === 'working';
  const update = (patch: Partial<Form>) => {
    setForm({ ...form, ...patch });
    setShown({});
  };
  const payable = plan !== null && quote.data !== undefined && quote.data.problem === null;

  async function pay() {
    if (Object.keys(problems).length > 0 || !choice || !algorithm.data || !payable) {
      setShown(problems);
      return;
    }
    const paid = await run('Paying for the training', (w) => requestFederated(computePort(w), choice, algorithm.data, setStep), 'Every provider has joined the training');
    if (paid) onStarted(paid);
  }

  const noise = Number(form.noise);
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
        <Section id="federated-datasets" title="1. Datasets" intro="Each dataset stays with a provider its owner allows: the model goes to the data, and only each provider’s clipped, noised and masked update comes back, summed with the others’.">
          <DatasetPicker initial={datasets} preselected={linkedDatasets(preselectedDataset)} selectedIds={datasetIds} words={WORDS} onChange={(ids) => update({ datasetIds: ids })} />
          <FieldProblem id="datasetId-problem" problem={shown.datasetId} />
        </Section>

        <Section id="federated-providers" title="2. Where each dataset trains" intro="A different provider for each dataset, among those its owner allows; each runs one job, paid for its minutes.">
          <Participants datasetIds={datasetIds} datasets={datasets} providers={providers} allowed={allowed} assignment={assignment} />
        </Section>

        <Section id="federated-step" title="3. The local step" intro="What each provider runs on its own dataset every round, from the current model: it writes only its update, which the provider clips, noises and masks itself.">
          <div className="space-y-4">
            <fieldset>
              <legend className="sr-only">Local step</legend>
              <div className="grid gap-2 sm:grid-cols-2">
                {(
                  [
                    ['example', 'The example', `Federated logistic regression (${EXAMPLE.name}, numpy): fits the demo hospitals’ alert.`],
                    ['file', 'Your own file', 'Python or Node.js reading /data/inputs/model.json and writing /data/outputs/update.json.'],
                  ] as const
                ).map(([value, title, words]) => (
                  <label key={value} className={choiceCard}>
                    <input type="radio" name="source" value={value} checked={form.source === value} onChange={() => update({ source: value, ...(value === 'example' ? { params: initialForm([]).params, dimension: String(EXAMPLE.dimension) } : {}) })} className="mt-1 accent-brand" />
                    <span>
                      <span className="font-medium">{title}</span>
                      <span className="mt-1 block text-xs text-muted">{words}</span>
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>
            {form.source === 'file' ? (
              <label className="block text-sm font-medium">
                Local step file (.py, .js)
                <input
                  type="file"
                  accept=".py,.js,.mjs,.cjs"
                  aria-invalid={shown.file ? true : undefined}
                  onChange={(event) => update({ file: event.target.files?.[0] ?? null })}
                  className="mt-1 block w-full text-sm file:mr-3 file:rounded-lg file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:font-semibold file:text-ink"
                />
              </label>
            ) : null}
            <FieldProblem id="file-problem" problem={shown.file} />
            {algorithm.isError ? (
              <p role="alert" className="text-sm text-warn">
                The local step cannot be read: {describeFailure(algorithm.error).message}
              </p>
            ) : null}
            <label className="block text-sm font-medium">
              Parameters (JSON)
              <textarea value={form.params} onChange={(event) => update({ params: event.target.value })} rows={4} spellCheck={false} aria-invalid={shown.params ? true : undefined} className={`${field} mt-1 w-full font-mono`} />
            </label>
            <FieldProblem id="params-problem" problem={shown.params} />
            <NumberField label="Weights in the model" name="dimension" value={form.dimension} problem={shown.dimension} hint="The length of the model and of each update." onChange={(dimension) => update({ dimension })} />
            <FieldProblem id="dimension-problem" problem={shown.dimension} />
          </div>
        </Section>

        <Section id="federated-plan" title="4. The plan" intro="Every job commits to it on-chain: the providers check each round against it and add the noise themselves.">
          <div className="flex flex-wrap gap-x-6 gap-y-4">
            <NumberField label="Rounds" name="rounds" value={form.rounds} problem={shown.rounds} onChange={(rounds) => update({ rounds })} />
            <NumberField label="Clip norm (C)" name="clip" value={form.clip} problem={shown.clip} onChange={(clip) => update({ clip })} />
            <NumberField label="Noise multiplier (z)" name="noise" value={form.noise} problem={shown.noise} onChange={(value) => update({ noise: value })} />
            <NumberField label="Loss bound (L)" name="lossBound" value={form.lossBound} problem={shown.lossBound} onChange={(lossBound) => update({ lossBound })} />
            <NumberField label="Minutes per provider" name="minutes" value={form.minutes} problem={shown.minutes} onChange={(minutes) => update({ minutes })} />
          </div>
          {(['rounds', 'clip', 'noise', 'lossBound', 'minutes'] as const).map((name) => (
            <FieldProblem key={name} id={`${name}-problem`} problem={shown[name]} />
          ))}
          <p className="mt-4 text-sm">
            Each update is clipped to norm C and gets Gaussian noise of deviation z·C at its provider; with a loss bound, each provider also reports the loss of the model it received, clamped to [0, L] and noised with its update, for the chart of the rounds.{' '}
            {problems.rounds || problems.noise || problems.lossBound ? null : noise === 0 ? (
              <span className="font-medium">Without noise there is no differential privacy: the updates are clipped and masked, not noised.</span>
            ) : (
              <span className="font-medium">Each dataset spends {privacyText({ rounds: Number(form.rounds), noiseMultiplier: noise, ...(form.lossBound.trim() ? { lossBound: Number(form.lossBound) } : {}) })}.</span>
            )}
          </p>
          {planned && 'problem' in planned ? (
            <p role="alert" className="mt-2 text-sm text-warn">
              {planned.problem}
            </p>
          ) : null}
        </Section>
      </div>

      <aside aria-labelledby="federated-pay-title" className="space-y-4 rounded-xl border border-line bg-surface p-5 shadow-sm lg:sticky lg:top-6">
        <h2 id="federated-pay-title" className="text-lg font-semibold tracking-tight">
          Price and payment
        </h2>
        <FederatedPrice choice={choice} plan={plan} quote={quote} address={address} />
        <p className="rounded-lg bg-brand-soft p-3 text-xs text-ink">This page aggregates the rounds: keep it open until the training ends. The final model stays in this browser until you download it.</p>
        {!isConnected ? (
          <button type="button" onClick={openConnectModal} disabled={!openConnectModal} className={`${primaryButton} w-full`}>
            Connect wallet
          </button>
        ) : wrongChain ? (
          <p role="alert" className="text-sm text-warn">
            Switch your wallet to {market.config.chainName} to pay.
          </p>
        ) : (
          <button type="submit" disabled={!wallet || working || (Object.keys(problems).length === 0 && !payable)} className={`${primaryButton} w-full`}>
            {working ? 'Working…' : 'Pay and start training'}
          </button>
        )}
        <PaySteps steps={STEPS} step={step} show={working || state.status === 'failed'} invalid={Object.keys(shown).length > 0} />
        <TransactionStatus state={state} />
      </aside>
    </form>
  );
}
