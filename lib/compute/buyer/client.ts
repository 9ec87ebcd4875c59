/**
 * The buyer's and owner's side of compute-to-data for Node (the SDK and the CLI): the Node adapter of the compute
 * flows' port (../port.ts) — result keys in files under DATAGORA_HOME, results read from this connection's IPFS
 * store and written to a directory — and the flows over it (../actions): request and pay for a job, follow it,
 * open and verify its results; cancel or refund it; approve algorithms and providers for a dataset.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Address, Hex } from 'viem';
import { contractsOf } from '../../contracts';
import type { Market } from '../../market';
import { setAlgorithmApproval, setProvidersAllowed } from '../../market/actions/owner';
import { followJob } from '../actions/follow';
import { assignProviders, requestFederated, trainFederated, type FederatedRun, type FederatedTraining, type RoundOutcome } from '../actions/federated';
import { fetchTemplate, postAlgorithm, reclaimEscrow, requestJob } from '../actions/request';
import { nodeJobOf, openJobResults, readRun, verifyRunReceipt, type JobResults, type RunJobOnChain } from '../actions/results';
import { jobAuthorization, providerRequest } from '../auth';
import { ComputeJobError, JobDatasetError, ProviderRequestError, ReceiptError } from '../errors';
import type { ComputePort, LinkedJob } from '../port';
import type { JobReport, JobView, PublicJobView } from '../api';
import type { PublicSessionView } from '../provider/federated/session';
import { parseSignedReceipt, verifyReceiptFiles, type SignedReceipt } from '../receipt';
import { describeFiles, generateResultKeyPair, resultsDirectory, unwrapResultsKey, type ResultKeyPair } from '../results';
import { JobStatus, type Environment, type Job } from '../settlement';
import { allowedProviders, runDatasets, type RunQuote } from './quote';
import { templateEpsilon } from '../policy';
import { toMicroEpsilon } from '../../privacy';

const FEDERATED_STEPS = {
  quote: 'quoting every dataset on its provider',
  pay: 'paying the jobs into escrow',
  join: 'joining every provider node with the plan',
  round: 'training',
  finish: 'sending the final model to every provider to settle',
} as const;

export interface ProviderInfo {
  id: bigint;
  owner: Address;
  signer: Address;
  active: boolean;
  endpoint: string;
  environments: readonly Environment[];
}

export interface ComputeRequest {
  /** The dataset, or the datasets of a job over several on one provider (one job each, linked into one escrow). */
  datasetId: bigint | readonly bigint[];
  /** A free-form algorithm's file, or `template`: one of the provider's analysis templates by name. */
  algorithm?: string;
  template?: string;
  /** For the `evaluate` template: the model's file (train's JSON result, or a pickled scikit-learn estimator). */
  model?: string;
  params?: unknown;
  providerId?: bigint;
  environment?: number;
  maxMinutes?: number;
  aiTraining?: boolean;
}

/** What the buyer's machine keeps about a job it requested (0600, under DATAGORA_HOME/jobs). */
interface LocalJob {
  jobId: string;
  endpoint: string;
  keyPair: ResultKeyPair;
}

export const DEFAULT_MAX_MINUTES = 10;

/** Federated training as the CLI asks for it: the datasets, the local step's file and the plan's shape. */
export interface FederateRequest {
  datasetIds: readonly bigint[];
  /** A provider per dataset, in the same order; by default a different one its owner allows each. */
  providerIds?: readonly bigint[];
  algorithm: string;
  params: Record<string, unknown>;
  dimension: number;
  rounds: number;
  clip: number;
  noiseMultiplier: number;
  /** Bound of the loss each node reports (the plan's lossBound); absent, none is released. */
  lossBound?: number;
  maxMinutes: number;
  roundTimeoutMs?: number;
}

/** What `federate` tells as it goes. */
export interface FederateHooks {
  paid?(run: FederatedRun<ResultKeyPair>): void;
  step?(detail: string): void;
  round?(outcome: RoundOutcome): void;
}

export class ComputeClient {
  constructor(private readonly market: Market) {}

  private get computeMarket() {
    return contractsOf(this.market.deployments).computeMarket;
  }

  private jobFile(jobId: bigint): string {
    return path.join(this.market.config.home, 'jobs', `${this.market.deployments.chainId}-${jobId}.json`);
  }

  private localJob(jobId: bigint): LocalJob {
    const file = this.jobFile(jobId);
    if (!existsSync(file)) throw new ComputeJobError(`job ${jobId} was not requested from this machine (no ${file})`, 'results are encrypted to the machine and DATAGORA_HOME that requested the job');
    return JSON.parse(readFileSync(file, 'utf8')) as LocalJob;
  }

  /** The compute flows' port for the acting account: its key signs, its job keys are files here. */
  private port(): ComputePort<ResultKeyPair> {
    const { market } = this;
    const signer = market.account;
    if (!signer) throw new ComputeJobError('this needs an account', 'pass --account N or --private-key-env VAR');
    return {
      ...market.port(),
      signer,
      newResultKey: async () => generateResultKeyPair(),
      keepJob: async (job) => {
        const file = this.jobFile(job.jobId);
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        writeFileSync(file, JSON.stringify({ jobId: job.jobId.toString(), endpoint: job.endpoint, keyPair: job.resultKey } satisfies LocalJob), { mode: 0o600 });
        chmodSync(file, 0o600);
      },
      openResultsKey: async (wrapped, keyPair) => unwrapResultsKey(wrapped, keyPair),
      ciphertext: (cid) => market.store.cat(cid),
    };
  }

  /** Every registered provider. */
  async providers(): Promise<ProviderInfo[]> {
    const count = await this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'providerCount' });
    const providers: ProviderInfo[] = [];
    for (let id = 1n; id <= count; id++) {
      const p = await this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'getProvider', args: [id] });
      providers.push({ id, owner: p.owner, signer: p.signer, active: p.active, endpoint: p.endpoint, environments: p.environments });
    }
    return providers;
  }

  /** The job as requested on-chain (from its JobRequested event). */
  async job(jobId: bigint): Promise<{ job: Job; escrow: bigint; status: number }> {
    const [events, status] = await Promise.all([
      this.market.publicClient.getContractEvents({ ...this.computeMarket, eventName: 'JobRequested', args: { jobId }, fromBlock: BigInt(this.market.deployments.startBlock) }),
      this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'jobStatus', args: [jobId] }),
    ]);
    const args = events[0]?.args;
    if (!args?.job || args.escrow === undefined) throw new ComputeJobError(`there is no job ${jobId}`, 'check the id: `datagora compute` prints it');
    return { job: args.job, escrow: args.escrow, status };
  }

  /** Every job of the run `jobId` belongs to, from the chain: a job requested alone is a run of one. */
  async run(jobId: bigint): Promise<RunJobOnChain[]> {
    return readRun(this.market.publicClient, this.computeMarket.address, jobId, BigInt(this.market.deployments.startBlock));
  }

  /**
   * The job of the run `jobId` belongs to that its node, results and receipt go by: the run's first job on the same
   * provider (a job over several datasets is one run there; each job of a federated run is its provider's own).
   */
  private async firstJob(jobId: bigint): Promise<bigint> {
    return (await this.nodeJob(jobId)).jobId;
  }

  /** {@link firstJob}, and whether the run is federated (its jobs on different providers). */
  private async nodeJob(jobId: bigint): Promise<{ jobId: bigint; federated: boolean }> {
    return nodeJobOf(await this.run(jobId), jobId);
  }

  /**
   * Pays a job into escrow and submits the algorithm to the provider. The escrow is each dataset's compute price
   * plus `maxMinutes` at the environment's price per minute, once; what is not used comes back at settlement.
   * Without a provider named, the first active one every dataset's owner allows runs it. Parameters the algorithm
   * declares as columns must name columns of every dataset (UnknownColumnError before any payment). `onQuote` is
   * told each dataset's fee and the total once every check has passed, before paying.
   */
  async request(request: ComputeRequest, onQuote?: (quote: RunQuote) => void): Promise<{ jobId: bigint; job: Job; escrow: bigint; linked: LinkedJob[]; provider: ProviderInfo; txHash: Hex }> {
    const port = this.port();
    if ((request.algorithm === undefined) === (request.template === undefined)) throw new ComputeJobError('a job runs either an algorithm file or a template', 'give --algorithm FILE or --template NAME');
    const datasetIds = runDatasets(typeof request.datasetId === 'bigint' ? [request.datasetId] : request.datasetId);
    const read = (file: string, what: string) => {
      try {
        return readFileSync(file);
      } catch (error) {
        throw new ComputeJobError(`cannot read the ${what} ${file}: ${(error as Error).message}`, what === 'model' ? 'give the path of a train result.json or a pickled scikit-learn model' : 'give the path of a .py or .js file');
      }
    };
    const content = request.algorithm === undefined ? undefined : read(request.algorithm, 'algorithm');
    const model = request.model === undefined ? undefined : read(request.model, 'model');
    const provider = await this.providerFor(datasetIds, request.providerId);
    const params = request.params ?? {};
    const choice = { datasetIds, providerId: provider.id, environment: request.environment ?? 0, maxMinutes: request.maxMinutes ?? DEFAULT_MAX_MINUTES, aiTraining: request.aiTraining ?? false, epsilon: toMicroEpsilon(templateEpsilon(params)) };
    const algorithm = content ? { name: path.basename(request.algorithm!), content } : await fetchTemplate(provider.endpoint, request.template!);
    const job = await requestJob(port, choice, { ...algorithm, ...(model ? { model } : {}) }, params, (step, { quote }) => {
      if (step === 'pay' && quote) onQuote?.(quote);
    });
    return { jobId: job.jobId, job: job.job, escrow: job.escrow, linked: job.linked ?? [], provider, txHash: job.txHash };
  }

  /** A federated job's public view at its node (its rounds: counts, bytes, times, never a value); undefined where the node does not answer. */
  async federatedStatus(jobId: bigint): Promise<PublicSessionView | undefined> {
    return this.call<PublicSessionView>(await this.endpointOf(jobId), jobId, `/api/v1/federated/${jobId}`, false).catch(() => undefined);
  }

  /**
   * Federated training over `request.datasetIds` (../actions/federated.ts), this machine the aggregator: each dataset
   * on a provider of its own, the jobs paid in one escrow, every node joined, the rounds driven and the nodes finished.
   */
  async federate(request: FederateRequest, hooks: FederateHooks = {}): Promise<FederatedTraining & { run: FederatedRun<ResultKeyPair> }> {
    const port = this.port();
    let content: Uint8Array;
    try {
      content = readFileSync(request.algorithm);
    } catch (error) {
      throw new ComputeJobError(`cannot read the local step ${request.algorithm}: ${(error as Error).message}`, 'give the path of a .py or .js file (examples/federated/local_logreg.py)');
    }
    const active = (await this.providers()).filter((p) => p.active).map((p) => p.id);
    const providerIds =
      request.providerIds ?? assignProviders(request.datasetIds, await Promise.all(request.datasetIds.map((id) => allowedProviders(this.market.publicClient, this.computeMarket.address, id, active))));
    const participants = request.datasetIds.map((datasetId, i) => ({ datasetId, providerId: providerIds[i]! }));
    const { maxMinutes, rounds, clip, noiseMultiplier, dimension, params, lossBound } = request;
    const choice = { participants, maxMinutes, rounds, clip, noiseMultiplier, dimension, params, ...(lossBound !== undefined ? { lossBound } : {}) };
    const run = await requestFederated(port, choice, { name: path.basename(request.algorithm), content }, (step) => hooks.step?.(FEDERATED_STEPS[step]));
    hooks.paid?.(run);
    const trained = await trainFederated(port, run, {
      ...(request.roundTimeoutMs ? { roundTimeoutMs: request.roundTimeoutMs } : {}),
      onRound: (outcome) => hooks.round?.(outcome),
      onStep: (step, detail) => hooks.step?.(detail ?? FEDERATED_STEPS[step]),
    });
    return { run, ...trained };
  }

  /**
   * The active provider `providerId`, or without one the first active provider the owner of every dataset allows;
   * in words, the dataset whose owner allows none, or that no provider is allowed by them all.
   */
  private async providerFor(datasetIds: readonly bigint[], providerId: bigint | undefined): Promise<ProviderInfo> {
    const providers = (await this.providers()).filter((p) => p.active);
    const ids = providers.map((p) => p.id);
    const allowed = providerId === undefined ? await Promise.all(datasetIds.map((id) => allowedProviders(this.market.publicClient, this.computeMarket.address, id, ids))) : [];
    const chosen = providerId ?? ids.find((id) => allowed.every((list) => list.includes(id)));
    const provider = providers.find((p) => p.id === chosen);
    if (provider) return provider;
    // A dataset nobody published has no providers either: say that first (DatasetNotFoundError).
    const port = this.port();
    for (const id of datasetIds) await port.anchored(id);
    if (providerId !== undefined) throw new ComputeJobError(`provider ${providerId} is not an active provider`, 'choose another with --provider (`datagora providers` lists them)');
    const none = datasetIds.findIndex((_, i) => allowed[i]!.length === 0);
    if (none !== -1) throw new JobDatasetError(datasetIds[none]!, `the owner of dataset ${datasetIds[none]} allows no active provider`, 'ask the owner to allow a provider (`datagora providers allow`)');
    throw new ComputeJobError(
      `no active provider is allowed by the owner of every dataset: ${datasetIds.map((id, i) => `dataset ${id} allows provider${allowed[i]!.length === 1 ? '' : 's'} ${allowed[i]!.join(', ')}`).join('; ')}`,
      'ask an owner to allow a provider the others allow, or run a job per dataset (`datagora providers of <dataset>`)',
    );
  }

  /** Sends the algorithm of a paid job to its node (once: a second submission is refused as `already-submitted`). */
  async submit(jobId: bigint, endpoint: string, submission: { name: string; content: Uint8Array; params: unknown; resultKey: string }): Promise<JobView> {
    return postAlgorithm(this.port().signer, { endpoint, chainId: this.market.deployments.chainId, jobId }, submission);
  }

  /** A GET of the job's node, signed in as this account unless `auth` is false. */
  private async call<T>(endpoint: string, jobId: bigint, route: string, auth = true): Promise<T> {
    const account = this.market.account;
    const headers: Record<string, string> = {};
    if (auth && account) headers.authorization = await jobAuthorization(account, { endpoint, chainId: this.market.deployments.chainId, jobId });
    return providerRequest<T>(endpoint, route, { headers });
  }

  /** The node a job went to: from this machine's record of it, else from its provider's registration. */
  private async endpointOf(jobId: bigint, known?: Job): Promise<string> {
    const file = this.jobFile(jobId);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as LocalJob).endpoint;
    const job = known ?? (await this.job(jobId)).job;
    const provider = await this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'getProvider', args: [job.providerId] });
    return provider.endpoint;
  }

  /** The job's report (the guard's findings, how the run ended), signed in as its buyer or its dataset's owner. */
  async report(jobId: bigint): Promise<JobReport> {
    const first = await this.firstJob(jobId);
    return this.call(await this.endpointOf(first), first, `/api/v1/jobs/${first}/report`);
  }

  /** The node's log of the job, signed in as its buyer or its dataset's owner. */
  async logs(jobId: bigint): Promise<{ jobId: string; lines: string[]; algorithmLogs: string }> {
    const first = await this.firstJob(jobId);
    return this.call(await this.endpointOf(first), first, `/api/v1/jobs/${first}/logs`);
  }

  /** The report when this account may read it (the job's buyer or its dataset's owner), else undefined. */
  private async reportIfAllowed(endpoint: string, jobId: bigint): Promise<JobReport | undefined> {
    if (!this.market.account) return undefined;
    try {
      return await this.call<JobReport>(endpoint, jobId, `/api/v1/jobs/${jobId}/report`);
    } catch (error) {
      if (error instanceof ProviderRequestError && error.status === 403) return undefined;
      throw error;
    }
  }

  /** The job's status at its node: its report for its buyer and its dataset's owner, the public view (counts) for others. */
  async status(jobId: bigint): Promise<JobView> {
    const first = await this.firstJob(jobId);
    const endpoint = await this.endpointOf(first);
    return (await this.reportIfAllowed(endpoint, first)) ?? this.call<PublicJobView>(endpoint, first, `/api/v1/jobs/${first}`, false);
  }

  /**
   * Follows the job's public status by Server-Sent Events until it is final; returns the final status, as the
   * report when this account may read it.
   */
  async follow(jobId: bigint, onStatus?: (view: PublicJobView) => void, signal?: AbortSignal): Promise<JobView> {
    const first = await this.firstJob(jobId);
    const { job } = await this.job(first);
    const endpoint = await this.endpointOf(first, job);
    const last = await followJob(this.market, { jobId: first, endpoint, computeMarket: this.computeMarket.address, job }, { status: (view) => onStatus?.(view) }, signal);
    return (await this.reportIfAllowed(endpoint, first)) ?? last;
  }

  /**
   * Fetches the receipt and results of a final job into `outDir` (outputs/, logs/, receipt.json), decrypting with
   * this machine's job key and verifying files, receipt signature and on-chain settlement.
   */
  async results(jobId: bigint, outDir: string): Promise<{ receipt: SignedReceipt; outputs: string[]; logs: string[]; delivered: boolean; splits: JobResults<string>['splits'] }> {
    const { jobId: first, federated } = await this.nodeJob(jobId);
    const local = this.localJob(first);
    const { chainId, startBlock } = this.market.deployments;
    const job = { jobId: first, endpoint: local.endpoint, chainId, computeMarket: this.computeMarket.address, resultKey: local.keyPair };
    mkdirSync(outDir, { recursive: true });
    const { receipt, outputs, logs, splits } = await openJobResults(this.port(), job, resultsDirectory(outDir), BigInt(startBlock), { federated });
    writeFileSync(path.join(outDir, 'receipt.json'), `${JSON.stringify(receipt, null, 2)}\n`);
    return { receipt, outputs, logs, delivered: receipt.receipt.delivered, splits };
  }

  /**
   * Verifies a receipt file: signed by the node key of the job's provider, settled on-chain with exactly its result
   * hash, minutes and delivery (a run's receipt: by every job of the run, each named), and — given the results
   * directory — the files hash to what it names.
   */
  async verifyReceipt(file: string, resultsDir?: string): Promise<SignedReceipt> {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ReceiptError(`cannot read ${file}: ${(error as Error).message}`, 'pass the receipt.json a job wrote');
    }
    const signed = parseSignedReceipt(json);
    const { deployments, publicClient } = this.market;
    await verifyRunReceipt(publicClient, { chainId: deployments.chainId, computeMarket: this.computeMarket.address }, signed, BigInt(deployments.startBlock));
    if (resultsDir) {
      const [outputs, logs] = await Promise.all([describeFiles(path.join(resultsDir, 'outputs')).catch(() => []), describeFiles(path.join(resultsDir, 'logs')).catch(() => [])]);
      verifyReceiptFiles(signed.receipt, { outputs, logs }, { outputs: `the files under ${resultsDir}/outputs`, logs: `the files under ${resultsDir}/logs` }, 'the files were altered after release');
    }
    return signed;
  }

  /** Withdraws a job, or every job of its run, the provider has not accepted yet; the whole escrow is credited back. Answers the transactions. */
  async cancel(jobId: bigint): Promise<Hex[]> {
    return (await reclaimEscrow(this.market.port(), await this.run(jobId), 'cancel')).map((sent) => sent.hash);
  }

  /** Takes the whole escrow back of a job, or of every job of its run, still unsettled after its deadline. Answers the transactions. */
  async refund(jobId: bigint): Promise<Hex[]> {
    return (await reclaimEscrow(this.market.port(), await this.run(jobId), 'refund')).map((sent) => sent.hash);
  }

  /** The providers the owner of `datasetId` allows to run jobs on it. */
  async allowedProviders(datasetId: bigint): Promise<ProviderInfo[]> {
    const providers = await this.providers();
    const allowed = await allowedProviders(this.market.publicClient, this.computeMarket.address, datasetId, providers.map((p) => p.id));
    return providers.filter((p) => allowed.includes(p.id));
  }

  /** The dataset owner allows providers to run its jobs (their nodes then see its plaintext), or withdraws them. */
  async setProvidersAllowed(datasetId: bigint, providerIds: readonly bigint[], allowed: boolean): Promise<Hex | undefined> {
    return (await setProvidersAllowed(this.market.port(), datasetId, providerIds, allowed))?.hash;
  }

  /** The dataset owner approves (or rejects) an algorithm hash for its compute jobs. */
  async setAlgorithmApproval(datasetId: bigint, hash: Hex, approved: boolean): Promise<Hex> {
    return (await setAlgorithmApproval(this.market.port(), datasetId, hash, approved)).hash;
  }

  /** The owner's approval queue: algorithms of open jobs on the dataset that are not approved. */
  async pendingAlgorithms(datasetId: bigint): Promise<{ algorithmHash: Hex; jobIds: bigint[] }[]> {
    const events = await this.market.publicClient.getContractEvents({ ...this.computeMarket, eventName: 'JobRequested', args: { datasetId }, fromBlock: BigInt(this.market.deployments.startBlock) });
    const pending = new Map<Hex, bigint[]>();
    for (const event of events) {
      const { jobId, job } = event.args;
      if (jobId === undefined || !job) continue;
      const [status, approved] = await Promise.all([
        this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'jobStatus', args: [jobId] }),
        this.market.publicClient.readContract({ ...this.computeMarket, functionName: 'isAlgorithmApproved', args: [datasetId, job.algorithmHash] }),
      ]);
      if (approved || (status !== JobStatus.Requested && status !== JobStatus.Accepted)) continue;
      pending.set(job.algorithmHash, [...(pending.get(job.algorithmHash) ?? []), jobId]);
    }
    return [...pending].map(([hash, jobIds]) => ({ algorithmHash: hash, jobIds }));
  }
}
