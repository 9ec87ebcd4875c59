/**
 * Federated training, for the CLI and the browser alike: the buyer's client is the aggregator. It pays one linked
 * job per dataset, each on a provider its owner allows (requestJob with several inputs, the plan's hash as the jobs'
 * algorithm hash), joins every node, then drives the rounds: each node trains on its own dataset from the global
 * model and answers only its update clipped, noised and masked (the node does that, not the algorithm); the masks
 * cancel in the sum, so the aggregator learns only Σnᵢ·Δᵢ and takes the FedAvg step. A node that does not answer
 * fails the attempt: the round is retried with the others (fresh masks), at least 2, and its job is left to be
 * refunded after its deadline. At the end every remaining node gets the final model, puts it with its round receipts
 * among its outputs and settles, so the model's hash is proven in every job it was trained by.
 */
import { parseEventLogs, type Hex } from 'viem';
import { computeMarketAbi, contractsOf, mockStablecoinAbi } from '../../contracts';
import {
  aggregateRound,
  encodePlan,
  epsilonMillionths,
  federatedEpsilon,
  modelHash,
  modelToBase64,
  parsePlan,
  planHash,
  ringFromBase64,
  vectorLength,
  type FederatedPlan,
  type FederatedPlanInput,
} from '../../federated';
import { InsufficientFundsError } from '../../market/errors';
import { formatAmount } from '../../units';
import { algorithmHash, checkAlgorithm } from '../algorithm';
import { jobAuthorization, providerRequest } from '../auth';
import { jobInput, quoteJob, type JobQuote } from '../buyer/quote';
import { epsilonText } from '../release-words';
import { ComputeJobError, ProviderRequestError } from '../errors';
import type { ComputePort, HeldResultKey } from '../port';
import { toBase64 } from '../results';
import type { Job } from '../settlement';
import type { AlgorithmFile } from './request';

/** What the buyer asks for: the datasets, each with the provider that runs it, and the training's shape. */
export interface FederatedChoice {
  /** 2 to 8 datasets, each on a provider its owner allows; every provider once. */
  participants: readonly { datasetId: bigint; providerId: bigint; environment?: number }[];
  /** Longest run time paid for on every provider. */
  maxMinutes: number;
  rounds: number;
  /** L2 norm each update is clipped to (C), and the noise multiplier z: each node adds N(0, (z·C)²). */
  clip: number;
  noiseMultiplier: number;
  delta?: number;
  /** Weights of the model (the local step's delta has as many). */
  dimension: number;
  /**
   * Bound L of the loss each node reports beside its update (the incoming model's loss on its rows, clamped to
   * [0, L] and noised with the update; ε then counts it): absent, no loss is released.
   */
  lossBound?: number;
  /** The local step's parameters (its algoCustomData.json). */
  params: Record<string, unknown>;
}

/** One job of a federated run as the buyer holds it. */
export interface FederatedJob {
  jobId: bigint;
  job: Job;
  datasetId: bigint;
  providerId: bigint;
  endpoint: string;
}

/** A paid federated run: its plan, its jobs (one per dataset, ascending) and the key its results are sealed to. */
export interface FederatedRun<K extends HeldResultKey = HeldResultKey> {
  firstJobId: bigint;
  chainId: number;
  computeMarket: Hex;
  txHash: Hex;
  plan: FederatedPlan;
  jobs: FederatedJob[];
  escrow: bigint;
  resultKey: K;
}

/** What one round did: who took part in the attempt that counted, the new model, and what the aggregator saw. */
export interface RoundOutcome {
  round: number;
  /** Attempts it took (a retry per provider that dropped out). */
  attempts: number;
  participants: bigint[];
  /** Providers that failed an attempt of this round and were left out from then on. */
  dropped: bigint[];
  /** SHA-256 of the global model after the round. */
  modelHash: Hex;
  /** The incoming model's loss over every participant's rows, noised like the updates: only when the plan has a lossBound. */
  loss?: number;
  /** Bytes each participant sent (its masked update). */
  bytesPerProvider: number;
  wallMs: number;
}

export type FederatedStep = 'quote' | 'pay' | 'join' | 'round' | 'finish';

/**
 * A provider for each dataset, every one different, each allowed by its dataset's owner (`allowed[i]`: the ids the
 * owner of dataset i allows, in order of preference); the first assignment found, trying datasets with the fewest
 * choices first. ComputeJobError naming the datasets when there is none.
 */
export function assignProviders(datasetIds: readonly bigint[], allowed: readonly (readonly bigint[])[]): bigint[] {
  const order = datasetIds.map((_, i) => i).sort((a, b) => allowed[a]!.length - allowed[b]!.length);
  const chosen: (bigint | undefined)[] = datasetIds.map(() => undefined);
  const search = (k: number): boolean => {
    if (k === order.length) return true;
    const i = order[k]!;
    for (const providerId of allowed[i]!) {
      if (chosen.includes(providerId)) continue;
      chosen[i] = providerId;
      if (search(k + 1)) return true;
      chosen[i] = undefined;
    }
    return false;
  };
  if (!search(0)) {
    const lonely = datasetIds.filter((_, i) => allowed[i]!.length === 0);
    throw new ComputeJobError(
      lonely.length > 0 ? `the owner of ${lonely.length === 1 ? `dataset ${lonely[0]}` : `datasets ${lonely.join(', ')}`} allows no active provider` : `datasets ${datasetIds.join(', ')} cannot each have a provider of their own among those their owners allow`,
      'federated training runs each dataset on a different provider its owner allows (`datagora providers of <dataset>`); name them with --providers',
    );
  }
  return chosen as bigint[];
}

/** The plan every job commits to for `choice` and the algorithm. */
export function federatedPlan(choice: FederatedChoice, algorithm: AlgorithmFile): FederatedPlan {
  const participants = [...choice.participants].sort((a, b) => (a.datasetId < b.datasetId ? -1 : 1));
  const input: FederatedPlanInput = {
    kind: 'datagora-federated/1',
    algorithm: { name: algorithm.name, sha256: algorithmHash(algorithm.content) },
    dimension: choice.dimension,
    rounds: choice.rounds,
    clip: choice.clip,
    noiseMultiplier: choice.noiseMultiplier,
    ...(choice.delta !== undefined ? { delta: choice.delta } : {}),
    ...(choice.lossBound !== undefined ? { lossBound: choice.lossBound } : {}),
    params: choice.params,
    participants: participants.map((p) => ({ datasetId: Number(p.datasetId), providerId: Number(p.providerId) })),
  };
  return parsePlan(input);
}

/** ReleaseBudgets.MAX_JOB_EPSILON: the most ε (millionths) one job may reserve. */
const MAX_JOB_EPSILON = 100_000_000n;

/** The ε (millionths) a job on a dataset with an ε budget reserves: every round's release, by the RDP accountant; 0 without noise (z = 0). */
export function federatedReservation(plan: FederatedPlan): bigint {
  return plan.noiseMultiplier === 0 ? 0n : epsilonMillionths(plan);
}

/**
 * Quotes every participant (its owner allows its provider, its licence allows compute and AI training, its budgets
 * leave the plan's ε), pays one requestJob for them all and joins every node. Nothing is paid when a check fails.
 */
export async function requestFederated<K extends HeldResultKey>(
  port: ComputePort<K>,
  choice: FederatedChoice,
  algorithm: AlgorithmFile,
  onStep?: (step: FederatedStep) => void,
): Promise<FederatedRun<K>> {
  const { publicClient, market, account } = port;
  checkAlgorithm(algorithm.name, algorithm.content.length);
  const plan = federatedPlan(choice, algorithm);
  const epsilon = federatedReservation(plan);
  onStep?.('quote');
  const byDataset = new Map(choice.participants.map((p) => [p.datasetId, p]));
  const quotes: { participant: FederatedChoice['participants'][number]; quote: JobQuote }[] = [];
  for (const { datasetId } of plan.participants) {
    const participant = byDataset.get(BigInt(datasetId))!;
    const jobChoice = { datasetId: participant.datasetId, providerId: participant.providerId, environment: participant.environment ?? 0, maxMinutes: choice.maxMinutes, aiTraining: true };
    // ε is reserved only where the owner set an ε budget (there the node holds every release to the reservation);
    // elsewhere nothing is counted, and a job may reserve at most MAX_JOB_EPSILON.
    let quote = await quoteJob(publicClient, market.contracts, jobChoice, account);
    if (quote.noiseRequired) {
      if (plan.noiseMultiplier === 0) throw new ComputeJobError(`dataset ${datasetId}'s owner set a privacy budget: its updates must carry noise`, 'train with a noise multiplier above 0 (--noise)');
      if (epsilon > MAX_JOB_EPSILON) {
        throw new ComputeJobError(`the plan spends ε ${epsilonText(epsilon)} of dataset ${datasetId}'s privacy budget over its rounds; one job may reserve at most ε ${epsilonText(MAX_JOB_EPSILON)}`, 'train fewer rounds, or with more noise (--noise)');
      }
      quote = await quoteJob(publicClient, market.contracts, { ...jobChoice, epsilon }, account);
    }
    quotes.push({ participant, quote });
  }
  const currency = quotes[0]!.quote.currency;
  if (quotes.some(({ quote }) => quote.currency !== currency)) throw new ComputeJobError('the datasets are sold in different currencies: one escrow cannot hold them', 'train on datasets sold in one currency');
  const escrow = quotes.reduce((sum, { quote }) => sum + quote.escrow, 0n);
  const amount = (value: bigint) => formatAmount(value, market.stablecoin);
  const balance = await publicClient.readContract({ address: currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [account] });
  if (balance < escrow) throw new InsufficientFundsError(`the training's escrow is ${amount(escrow)} but ${account} holds ${amount(balance)}`, 'fund the account with the market stablecoin, or pay for fewer minutes');
  await port.beforeWrites?.(`request federated training on datasets ${plan.participants.map((p) => p.datasetId).join(', ')}`);
  const resultKey = await port.newResultKey();

  onStep?.('pay');
  const computeMarket = market.contracts.computeMarket;
  const allowance = await publicClient.readContract({ address: currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [account, computeMarket] });
  if (allowance < escrow) await port.send(`approve the compute market to take ${amount(escrow)}`, { address: currency, abi: mockStablecoinAbi, functionName: 'approve', args: [computeMarket, escrow] });
  const inputs = quotes.map(({ participant, quote }) => jobInput({ datasetId: participant.datasetId, providerId: participant.providerId, environment: participant.environment ?? 0, maxMinutes: choice.maxMinutes, aiTraining: true }, quote));
  const { hash, logs } = await port.send(`request federated training on ${inputs.length} datasets`, {
    ...contractsOf(market).computeMarket,
    functionName: 'requestJob',
    args: [inputs, planHash(plan), true, choice.maxMinutes, escrow],
  });
  const events = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  if (events.length !== inputs.length) throw new ComputeJobError(`the payment ${hash} emitted ${events.length} JobRequested events for ${inputs.length} datasets`, 'report it');
  const run: FederatedRun<K> = {
    firstJobId: events[0]!.args.jobId,
    chainId: market.chainId,
    computeMarket,
    txHash: hash,
    plan,
    escrow,
    resultKey,
    jobs: events.map((event, i) => ({ jobId: event.args.jobId, job: event.args.job, datasetId: event.args.datasetId, providerId: event.args.providerId, endpoint: quotes[i]!.quote.endpoint })),
  };
  for (const job of run.jobs) {
    await port.keepJob({ jobId: job.jobId, chainId: run.chainId, computeMarket, job: job.job, escrow: job.job.dataFee + BigInt(job.job.maxMinutes) * job.job.pricePerMinute, txHash: hash, endpoint: job.endpoint, algorithm: algorithm.name, params: choice.params, resultKey, requestedAt: Date.now(), submitted: false });
  }

  onStep?.('join');
  const sessions = new Sessions(port, run);
  await Promise.all(
    run.jobs.map(async (job) => {
      const body = { jobId: job.jobId.toString(), plan: JSON.parse(encodePlan(plan)) as unknown, algorithm: { name: algorithm.name, content: toBase64(algorithm.content, 'base64') }, resultKey: resultKey.publicKey };
      await providerRequest(job.endpoint, '/api/v1/federated', { method: 'POST', headers: { 'content-type': 'application/json', authorization: await sessions.authorization(job, resultKey.publicKey) }, body: JSON.stringify(body) });
      await port.keepJob({ jobId: job.jobId, chainId: run.chainId, computeMarket, job: job.job, escrow: job.job.dataFee + BigInt(job.job.maxMinutes) * job.job.pricePerMinute, txHash: hash, endpoint: job.endpoint, algorithm: algorithm.name, params: choice.params, resultKey, requestedAt: Date.now(), submitted: true });
    }),
  );
  return run;
}

/** Sign-ins reused for their lifetime: one per node, not one per request (a browser wallet asks for each). */
class Sessions {
  private readonly cache = new Map<string, { header: string; until: number }>();

  constructor(
    private readonly port: Pick<ComputePort, 'signer'>,
    private readonly run: Pick<FederatedRun, 'chainId'>,
  ) {}

  async authorization(job: FederatedJob, resultKey?: string): Promise<string> {
    const key = `${job.jobId}:${resultKey ?? ''}`;
    const cached = this.cache.get(key);
    // A sign-in lives 10 minutes: renewed with a margin, so none expires in flight.
    if (cached && cached.until > Date.now()) return cached.header;
    const header = await jobAuthorization(this.port.signer, { endpoint: job.endpoint, chainId: this.run.chainId, jobId: job.jobId, ...(resultKey ? { resultKey } : {}) });
    this.cache.set(key, { header, until: Date.now() + 8 * 60_000 });
    return header;
  }
}

/** What a node answers for a round: its masked update and its signed round receipt. */
interface RoundAnswer {
  round: number;
  attempt: number;
  masked: string;
  receipt: unknown;
}

const DEFAULT_ROUND_TIMEOUT_MS = 10 * 60_000;

export interface TrainOptions {
  /** The model the first round starts from (zeros by default). */
  initialModel?: Float64Array;
  /** How long a node may take over one round before it counts as dropped out. */
  roundTimeoutMs?: number;
  onRound?(outcome: RoundOutcome, model: Float64Array): void;
  onStep?(step: FederatedStep, detail?: string): void;
  signal?: AbortSignal;
}

/** How a training ended: the final model, each round's outcome, the jobs that dropped out, and `stopped` when fewer than 2 providers were left before the last round. */
export interface FederatedTraining {
  model: Float64Array;
  rounds: RoundOutcome[];
  /**
   * Jobs that dropped out and could not be finished: their escrow comes back by refund after their deadline, unless
   * a node that released updates is back before then, and settles them itself.
   */
  dropped: FederatedJob[];
  /** Jobs that dropped out after a round they took part in, finished with the final model: settled, their datasets among its parents. */
  droppedFinished: FederatedJob[];
  /** Why the training stopped before the plan's last round (the model is then that of the last round completed). */
  stopped?: string;
}

/**
 * Drives the plan's rounds over the run's nodes and finishes every node still taking part. Returns the final model,
 * each round's outcome, and the jobs that dropped out. With fewer than 2 providers left, no round can be aggregated
 * (a sum of one is that provider's update): the training stops there and the remaining node is still finished with
 * the last model. A node that dropped out after taking part in a round is asked to finish too, as its updates are in
 * the model: a provider that released updates is paid for them, and its owner for its data.
 */
export async function trainFederated<K extends HeldResultKey>(port: ComputePort<K>, run: FederatedRun<K>, options: TrainOptions = {}): Promise<FederatedTraining> {
  const { plan } = run;
  const sessions = new Sessions(port, run);
  let model = options.initialModel ? Float64Array.from(options.initialModel) : new Float64Array(plan.dimension);
  if (model.length !== plan.dimension) throw new ComputeJobError(`the initial model has ${model.length} weights; the plan's dimension is ${plan.dimension}`, 'start from a model of the plan’s dimension');
  let active = [...run.jobs];
  const dropped: FederatedJob[] = [];
  const rounds: RoundOutcome[] = [];
  const length = vectorLength(plan);
  /** Jobs whose updates are in the model: each took part in a completed round. */
  const contributed = new Set<FederatedJob>();
  let stopped: string | undefined;
  for (let round = 1; round <= plan.rounds && !stopped; round += 1) {
    const droppedThisRound: bigint[] = [];
    for (let attempt = 1; ; attempt += 1) {
      if (active.length < 2) {
        stopped = `round ${round}: ${active.length} provider${active.length === 1 ? '' : 's'} left, and an aggregate needs at least 2 (a sum of one would be that provider's update)`;
        break;
      }
      options.onStep?.('round', `round ${round}, attempt ${attempt}: ${active.length} providers`);
      const started = Date.now();
      const participants = active.map((job) => job.providerId.toString());
      const body = JSON.stringify({ round, attempt, participants, model: modelToBase64(model) });
      const answers = await Promise.all(active.map((job) => postRound(job, body, sessions, options).then((answer) => ({ job, answer }), (error: unknown) => ({ job, error }))));
      const failed = answers.filter((a) => 'error' in a);
      if (failed.length > 0) {
        for (const { job } of failed) {
          dropped.push(job);
          droppedThisRound.push(job.providerId);
        }
        active = active.filter((job) => !failed.some((f) => f.job === job));
        continue;
      }
      const masked = answers.map((a) => {
        const answer = (a as { answer: RoundAnswer }).answer;
        if (answer.round !== round || answer.attempt !== attempt) throw new ProviderRequestError(502, 'malformed-answer', `provider ${a.job.providerId} answered round ${answer.round} attempt ${answer.attempt} for round ${round} attempt ${attempt}`);
        return ringFromBase64(answer.masked, length);
      });
      const aggregate = aggregateRound(model, masked, plan);
      model = aggregate.model;
      const outcome: RoundOutcome = { round, attempts: attempt, participants: active.map((job) => job.providerId), dropped: droppedThisRound, modelHash: modelHash(model), ...(aggregate.loss !== undefined ? { loss: aggregate.loss } : {}), bytesPerProvider: length * 8, wallMs: Date.now() - started };
      rounds.push(outcome);
      for (const job of active) contributed.add(job);
      options.onRound?.(outcome, model);
      break;
    }
  }
  options.onStep?.('finish');
  const body = JSON.stringify({ model: modelToBase64(model) });
  const finish = async (job: FederatedJob, signal?: AbortSignal) => providerRequest(job.endpoint, `/api/v1/federated/${job.jobId}/finish`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await sessions.authorization(job) }, body, ...(signal ? { signal } : {}) });
  await Promise.all(active.map((job) => finish(job)));
  // A node that dropped out may be gone, or still busy with the round it missed: then it stays dropped.
  const late = dropped.filter((job) => contributed.has(job));
  const finished = await Promise.allSettled(late.map((job) => finish(job, AbortSignal.timeout(options.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS))));
  const droppedFinished = late.filter((_, i) => finished[i]!.status === 'fulfilled');
  return { model, rounds, dropped: dropped.filter((job) => !droppedFinished.includes(job)), droppedFinished, ...(stopped ? { stopped } : {}) };
}

async function postRound(job: FederatedJob, body: string, sessions: Sessions, options: TrainOptions): Promise<RoundAnswer> {
  const timeout = AbortSignal.timeout(options.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  return providerRequest<RoundAnswer>(job.endpoint, `/api/v1/federated/${job.jobId}/rounds`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await sessions.authorization(job) }, body, signal });
}

/** The ε each dataset spends over the plan, for display: Infinity without noise. */
export function planEpsilon(plan: Pick<FederatedPlan, 'rounds' | 'noiseMultiplier' | 'delta' | 'lossBound'>): number {
  return federatedEpsilon(plan);
}
