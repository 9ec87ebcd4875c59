/**
 * Requesting a compute job, for the CLI and the browser alike: the algorithm and its parameters checked before
 * anything is paid (runtime, size, nesting, the columns it names), the job quoted from the chain, the escrow
 * paid under exactly the quoted terms, environment and amount (a change in flight reverts), the job and its result
 * key kept on this host, then the algorithm sent to the provider's node under the buyer's sign-in — on one dataset,
 * or on several at once on one provider. Also sending a paid job's algorithm again, and taking the escrow back of a
 * job (or of every job of a run) that cannot run.
 */
import { parseEventLogs } from 'viem';
import { z } from 'zod';
import type { MessageSigner } from '../../access/siwe';
import { computeMarketAbi, contractsOf, mockStablecoinAbi } from '../../contracts';
import { InsufficientFundsError } from '../../market/errors';
import type { SentWrite } from '../../market/send';
import { formatAmount } from '../../units';
import { algorithmHash, checkAlgorithm, checkParameters } from '../algorithm';
import { jobAuthorization, providerFetch, providerRequest } from '../auth';
import { datasetsText, quoteRun, requestRunArgs, runDatasets, type JobChoice, type RunChoice, type RunQuote } from '../buyer/quote';
import { ComputeJobError, JobDatasetError, ProviderRequestError } from '../errors';
import type { ComputePort, HeldResultKey, LinkedJob, RequestedJob } from '../port';
import type { JobView } from '../api';
import { toBase64 } from '../results';
import { policyOf } from '../policy';
import { JobStatus } from '../settlement';
import { readJobStatus } from './follow';
import type { TemplateSummary } from '../templates';

/**
 * The algorithm's file: its name (which says its runtime) and bytes; `template` names the provider's analysis
 * template it is; for the `evaluate` template, `model` is the model it scores.
 */
export interface AlgorithmFile {
  name: string;
  content: Uint8Array;
  template?: string;
  model?: Uint8Array;
}

/** A provider's analysis template `name`, fetched from its node: the file a template job commits to and sends. */
export async function fetchTemplate(endpoint: string, name: string): Promise<AlgorithmFile> {
  const response = await providerFetch(endpoint, `/api/v1/templates/${encodeURIComponent(name)}`);
  return { name: `${name}.py`, content: new Uint8Array(await response.arrayBuffer()), template: name };
}

/** What a node's list of templates may hold: anything else, or more, is a node answering wrongly. */
const templateSummaries = z
  .array(
    z.object({
      name: z.string().min(1).max(100),
      version: z.string().min(1).max(40),
      hash: z.string().regex(/^0x[0-9a-f]{64}$/),
      description: z.string().max(4_000),
      params: z.record(z.string(), z.unknown()),
    }),
  )
  .max(100);

/**
 * The analysis templates a provider's node runs, with their parameters as JSON Schema (its GET /api/v1/environments),
 * checked: a node is not trusted to answer in shape. `signal` gives up on a node that hangs.
 */
export async function fetchTemplates(endpoint: string, options: { signal?: AbortSignal } = {}): Promise<TemplateSummary[]> {
  const { templates = [] } = await providerRequest<{ templates?: unknown }>(endpoint, '/api/v1/environments', options);
  const parsed = templateSummaries.safeParse(templates);
  if (!parsed.success) throw new ProviderRequestError(502, 'malformed-answer', `the provider at ${endpoint} lists its templates in another shape`, 'choose another provider');
  return parsed.data as TemplateSummary[];
}

export type RequestStep = 'quote' | 'pay' | 'submit';

/** What the flow tells its host as it goes: the quote once every check passed (before paying), the job once paid. */
export interface RequestProgress<K extends HeldResultKey> {
  quote?: RunQuote;
  job?: RequestedJob<K>;
}

/** A choice on one dataset as a run of one. */
function asRun(choice: JobChoice | RunChoice): RunChoice {
  if ('datasetIds' in choice) return choice;
  const { datasetId, ...rest } = choice;
  return { ...rest, datasetIds: [datasetId] };
}

/**
 * Pays a job into escrow (approving the stablecoin first when needed) and sends the algorithm, on one dataset or on
 * several on one provider (a run: one job per dataset, linked by one requestJob into one escrow, sent once under its
 * first job). Whatever a dataset's policy, parameters, licence or budgets refuse is said before paying, naming the
 * dataset. A job paid but not sent is kept with `submitted` false, and told to `onStep` with the step `submit`, for
 * {@link sendAlgorithm}.
 */
export async function requestJob<K extends HeldResultKey>(
  port: ComputePort<K>,
  choice: JobChoice | RunChoice,
  algorithm: AlgorithmFile,
  params: unknown,
  onStep?: (step: RequestStep, progress: RequestProgress<K>) => void,
): Promise<RequestedJob<K>> {
  const { publicClient, market, account } = port;
  const amount = (value: bigint) => formatAmount(value, market.stablecoin);
  let run = asRun(choice);
  const datasetIds = runDatasets(run.datasetIds);
  const named = datasetsText(datasetIds);
  checkAlgorithm(algorithm.name, algorithm.content.length);
  // A train job trains a model whatever the buyer ticked: it is declared, so the licence is checked for it, the node
  // runs it, and the model may be published as the data's derivative (the registry wants a training job).
  if (algorithm.template === 'train') run = { ...run, aiTraining: true };
  onStep?.('quote', {});
  // Parameters a provider refuses, or naming a column the data lacks, fail only once the data fee is paid: refuse them now.
  const documents = await Promise.all(datasetIds.map((id) => port.anchored(id)));
  for (const [i, { document }] of documents.entries()) {
    const id = datasetIds[i]!;
    // What the provider would refuse after the payment (the data fee then comes back, the minutes' fee not): said now.
    if (policyOf(document) === 'templates' && algorithm.template === undefined) {
      throw new JobDatasetError(id, `dataset ${id} runs only its providers' analysis templates: its owner accepts no code`, 'choose a template and send parameters (`datagora templates`, --template NAME)');
    }
    checkParameters(algorithm.content, params ?? {}, { id, columns: document.columns });
  }
  const quote = await quoteRun(publicClient, market.contracts, run, account);
  const unnoised = quote.jobs.find((job) => job.noiseRequired);
  if (algorithm.template !== undefined && unnoised && (run.epsilon ?? 0n) === 0n) {
    throw new JobDatasetError(unnoised.datasetId, `dataset ${unnoised.datasetId}'s owner set a privacy budget: every template result must carry noise`, 'add "noise":"laplace" and "epsilon" to the parameters (correlation, the forest and evaluate have no noisy form)');
  }
  const balance = await publicClient.readContract({ address: quote.currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [account] });
  if (balance < quote.escrow) throw new InsufficientFundsError(`the job's escrow is ${amount(quote.escrow)} but ${account} holds ${amount(balance)}`, 'fund the account with the market stablecoin, or pay for fewer minutes');
  await port.beforeWrites?.(`request a compute job on ${named}`);
  // Made before paying, so that a paid job always has its key kept.
  const resultKey = await port.newResultKey();

  onStep?.('pay', { quote });
  const computeMarket = market.contracts.computeMarket;
  const allowance = await publicClient.readContract({ address: quote.currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [account, computeMarket] });
  if (allowance < quote.escrow) {
    await port.send(`approve the compute market to take ${amount(quote.escrow)}`, { address: quote.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [computeMarket, quote.escrow] });
  }
  // The quoted terms, environment and escrow are what is paid for: a change in flight reverts.
  const { hash, logs } = await port.send(`request a compute job on ${named}`, {
    ...contractsOf(market).computeMarket,
    functionName: 'requestJob',
    args: requestRunArgs(run, quote, algorithmHash(algorithm.content)),
  });
  const events = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  if (events.length !== datasetIds.length) throw new ComputeJobError(`the payment ${hash} emitted ${events.length} JobRequested events for ${datasetIds.length} datasets`, 'report it');
  const [first, ...linked] = events.map(({ args }) => ({ jobId: args.jobId, job: args.job, escrow: args.escrow }));
  const job: RequestedJob<K> = {
    jobId: first!.jobId,
    chainId: market.chainId,
    computeMarket,
    job: first!.job,
    escrow: first!.escrow + linked.reduce((sum, j) => sum + j.escrow, 0n),
    ...(linked.length > 0 ? { linked } : {}),
    txHash: hash,
    endpoint: quote.endpoint,
    algorithm: algorithm.name,
    params: params ?? {},
    resultKey,
    requestedAt: Date.now(),
    submitted: false,
  };
  await port.keepJob(job);

  onStep?.('submit', { quote, job });
  return submit(port, job, algorithm.content, algorithm.model);
}

/** Sends a paid job's algorithm (and an evaluate job's model) again, its node never got them: `algorithm` must be the very file the job committed to. */
export async function sendAlgorithm<K extends HeldResultKey>(port: ComputePort<K>, job: RequestedJob<K>, algorithm: AlgorithmFile): Promise<RequestedJob<K>> {
  checkAlgorithm(algorithm.name, algorithm.content.length);
  if (algorithmHash(algorithm.content) !== job.job.algorithmHash) {
    throw new ComputeJobError(`${algorithm.name} is not the algorithm job ${job.jobId} paid for: its SHA-256 differs from ${job.job.algorithmHash}`, 'choose the file you paid for; another algorithm needs a new job');
  }
  return submit(port, job, algorithm.content, algorithm.model);
}

/** Sends the algorithm to the job's node under the buyer's sign-in, which binds the result key; keeps the job as sent. */
async function submit<K extends HeldResultKey>(port: ComputePort<K>, job: RequestedJob<K>, content: Uint8Array, model?: Uint8Array): Promise<RequestedJob<K>> {
  try {
    await postAlgorithm(port.signer, job, { name: job.algorithm, content, params: job.params, resultKey: job.resultKey.publicKey, ...(model ? { model } : {}) });
  } catch (error) {
    // A retry after an answer that got lost: the node has the job already.
    if (!(error instanceof ProviderRequestError && error.code === 'already-submitted')) throw error;
  }
  const submitted = { ...job, submitted: true };
  await port.keepJob(submitted);
  return submitted;
}

/** One submission of a paid job's algorithm to its node; the node's refusal (e.g. `already-submitted`) as ProviderRequestError. */
export async function postAlgorithm(
  signer: MessageSigner,
  job: Pick<RequestedJob, 'endpoint' | 'chainId' | 'jobId'>,
  submission: { name: string; content: Uint8Array; params: unknown; resultKey: string; model?: Uint8Array },
): Promise<JobView> {
  const authorization = await jobAuthorization(signer, { endpoint: job.endpoint, chainId: job.chainId, jobId: job.jobId, resultKey: submission.resultKey });
  return providerRequest<JobView>(job.endpoint, '/api/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({
      jobId: job.jobId.toString(),
      algorithm: { name: submission.name, content: toBase64(submission.content, 'base64') },
      params: submission.params,
      resultKey: submission.resultKey,
      ...(submission.model ? { model: toBase64(submission.model, 'base64') } : {}),
    }),
  });
}

/** Every job of `requested`: the first, then a run's linked ones. */
export function jobsOf(requested: Pick<RequestedJob, 'jobId' | 'job' | 'escrow' | 'linked'>): LinkedJob[] {
  const { linked = [] } = requested;
  return [{ jobId: requested.jobId, job: requested.job, escrow: requested.escrow - linked.reduce((sum, job) => sum + job.escrow, 0n) }, ...linked];
}

/**
 * Takes the whole escrow back of a job, or of every job of a run: `cancel` those its provider has not accepted,
 * `refund` those still unsettled past their deadline. Jobs already closed are left; when none is open the contract's
 * refusal of the first says why.
 */
export async function reclaimEscrow(port: Pick<ComputePort, 'send' | 'market' | 'publicClient'>, jobs: readonly Pick<LinkedJob, 'jobId' | 'job'>[], how: 'cancel' | 'refund'): Promise<SentWrite[]> {
  const computeMarket = contractsOf(port.market).computeMarket;
  const statuses = await Promise.all(jobs.map(({ jobId }) => readJobStatus(port.publicClient, computeMarket.address, jobId)));
  const open = jobs.filter((_, i) => statuses[i] === JobStatus.Requested || (how === 'refund' && statuses[i] === JobStatus.Accepted));
  const sent: SentWrite[] = [];
  for (const { jobId, job } of open.length > 0 ? open : jobs.slice(0, 1)) {
    sent.push(await port.send(`${how} job ${jobId}`, { ...computeMarket, functionName: how === 'cancel' ? 'cancelJob' : 'refund', args: [jobId, job] }));
  }
  return sent;
}
