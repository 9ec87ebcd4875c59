/**
 * The buyer's and owner's side of compute-to-data, over the market SDK: request and pay for a job, submit the
 * algorithm to the provider node, follow its status, fetch and decrypt the results and check the receipt against
 * the chain; cancel or refund a job; approve algorithms for a dataset.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEventLogs, type Address, type Hex } from 'viem';
import { computeMarketAbi, mockStablecoinAbi } from '../../contracts';
import { ComputeJobError, ProviderRequestError, ReceiptError } from '../errors';
import { InsufficientFundsError, type Market } from '../../market';
import { jobAuthorization, providerRequest } from '../auth';
import { FINAL_STATUSES, type JobReport, type JobView, type PublicJobView } from '../provider/jobs';
import { parseSignedReceipt, verifyReceiptOnChain, type SignedReceipt } from '../receipt';
import { JobStatus, type Environment, type Job } from '../settlement';
import { describeFiles, fetchResults, filesHash, generateResultKeyPair, unwrapResultsKey, type ResultKeyPair, type WrappedKey } from '../results';
import { algorithmHash, checkParameters, MAX_ALGORITHM_BYTES, runtimeOf } from '../algorithm';
import { allowedProviders, quoteJob, requestJobArgs } from './quote';
import { setAlgorithmApproval, setProvidersAllowed } from '../../market/actions/owner';

export interface ProviderInfo {
  id: bigint;
  owner: Address;
  signer: Address;
  active: boolean;
  endpoint: string;
  environments: readonly Environment[];
}

export interface ComputeRequest {
  datasetId: bigint;
  algorithm: string;
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

export class ComputeClient {
  constructor(private readonly market: Market) {}

  private get computeMarket(): Address {
    return this.market.deployments.contracts.computeMarket;
  }

  private jobFile(jobId: bigint): string {
    return path.join(this.market.config.home, 'jobs', `${this.market.deployments.chainId}-${jobId}.json`);
  }

  private localJob(jobId: bigint): LocalJob {
    const file = this.jobFile(jobId);
    if (!existsSync(file)) throw new ComputeJobError(`job ${jobId} was not requested from this machine (no ${file})`, 'results are encrypted to the machine and DATAGORA_HOME that requested the job');
    return JSON.parse(readFileSync(file, 'utf8')) as LocalJob;
  }

  /** Every registered provider. */
  async providers(): Promise<ProviderInfo[]> {
    const count = await this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'providerCount' });
    const providers: ProviderInfo[] = [];
    for (let id = 1n; id <= count; id++) {
      const p = await this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [id] });
      providers.push({ id, owner: p.owner, signer: p.signer, active: p.active, endpoint: p.endpoint, environments: p.environments });
    }
    return providers;
  }

  /** The job as requested on-chain (from its JobRequested event). */
  async job(jobId: bigint): Promise<{ job: Job; escrow: bigint; status: number }> {
    const [events, status] = await Promise.all([
      this.market.publicClient.getContractEvents({ address: this.computeMarket, abi: computeMarketAbi, eventName: 'JobRequested', args: { jobId }, fromBlock: BigInt(this.market.deployments.startBlock) }),
      this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'jobStatus', args: [jobId] }),
    ]);
    const args = events[0]?.args;
    if (!args?.job || args.escrow === undefined) throw new ComputeJobError(`there is no job ${jobId}`, 'check the id: `datagora compute` prints it');
    return { job: args.job, escrow: args.escrow, status };
  }

  /**
   * Pays a job into escrow and submits the algorithm to the provider. The escrow is the dataset's compute price
   * plus `maxMinutes` at the environment's price per minute; what is not used comes back at settlement. Parameters
   * the algorithm declares as columns must name columns of the dataset (UnknownColumnError before any payment).
   */
  async request(request: ComputeRequest): Promise<{ jobId: bigint; job: Job; escrow: bigint; provider: ProviderInfo; txHash: Hex }> {
    const { market } = this;
    const account = market.account;
    if (!account) throw new ComputeJobError('requesting a job needs an account', 'pass --account N or --private-key-env VAR');
    let content: Buffer;
    try {
      content = readFileSync(request.algorithm);
    } catch (error) {
      throw new ComputeJobError(`cannot read the algorithm ${request.algorithm}: ${(error as Error).message}`, 'give the path of a .py or .js file');
    }
    const name = path.basename(request.algorithm);
    if (!runtimeOf(name)) throw new ComputeJobError(`${name}: only Python (.py) and Node.js (.js, .mjs, .cjs) algorithms run on providers`, 'rename or rewrite the algorithm');
    if (content.length > MAX_ALGORITHM_BYTES) throw new ComputeJobError(`${name} is ${content.length} bytes; providers accept at most ${MAX_ALGORITHM_BYTES}`, 'keep the algorithm small; it cannot download anything, so bundle only code');
    // Parameters a provider refuses, or naming a column the data lacks, fail only once the data fee is paid: refuse them now.
    const { document } = await market.getDataset(request.datasetId);
    checkParameters(content, request.params ?? {}, { id: request.datasetId, columns: document.columns });

    const providers = (await this.providers()).filter((p) => p.active);
    const allowed = await allowedProviders(market.publicClient, this.computeMarket, request.datasetId, providers.map((p) => p.id));
    const providerId = request.providerId ?? allowed[0];
    const provider = providers.find((p) => p.id === providerId);
    if (!provider) {
      throw new ComputeJobError(
        request.providerId !== undefined ? `provider ${request.providerId} is not an active provider` : `the owner of dataset ${request.datasetId} allows no active provider`,
        request.providerId !== undefined ? 'choose another with --provider (`datagora providers` lists them)' : 'ask the owner to allow a provider (`datagora providers allow`)',
      );
    }
    const choice = { datasetId: request.datasetId, providerId: provider.id, environment: request.environment ?? 0, maxMinutes: request.maxMinutes ?? DEFAULT_MAX_MINUTES, aiTraining: request.aiTraining ?? false };
    const quote = await quoteJob(market.publicClient, market.deployments.contracts, choice);
    const { escrow, currency: token } = quote;
    const balance = await market.publicClient.readContract({ address: token, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [account.address] });
    if (balance < escrow) throw new InsufficientFundsError(`the job's escrow is ${market.formatAmount(escrow)} but ${account.address} holds ${market.formatAmount(balance)}`, 'fund the account with the market stablecoin, or lower --max-minutes');
    const allowance = await market.publicClient.readContract({ address: token, abi: mockStablecoinAbi, functionName: 'allowance', args: [account.address, this.computeMarket] });
    if (allowance < escrow) await market.send(`approve the compute market to take ${market.formatAmount(escrow)}`, { address: token, abi: mockStablecoinAbi, functionName: 'approve', args: [this.computeMarket, escrow] });

    const { hash: txHash, logs } = await market.send(`request a compute job on dataset ${request.datasetId}`, {
      address: this.computeMarket,
      abi: computeMarketAbi,
      functionName: 'requestJob',
      args: requestJobArgs(choice, quote, algorithmHash(content)),
    });
    const [event] = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
    if (!event) throw new ComputeJobError(`the request ${txHash} emitted no JobRequested event`, 'report it');
    const jobId = event.args.jobId;
    const keyPair = generateResultKeyPair();
    const file = this.jobFile(jobId);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ jobId: jobId.toString(), endpoint: provider.endpoint, keyPair } satisfies LocalJob), { mode: 0o600 });
    chmodSync(file, 0o600);
    await this.submit(jobId, provider.endpoint, { name, content, params: request.params ?? {}, resultKey: keyPair.publicKey });
    return { jobId, job: event.args.job, escrow: event.args.escrow, provider, txHash };
  }

  /** Sends the algorithm of a paid job to its node. */
  async submit(jobId: bigint, endpoint: string, submission: { name: string; content: Uint8Array; params: unknown; resultKey: string }): Promise<JobView> {
    return this.call(endpoint, jobId, '/api/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ jobId: jobId.toString(), algorithm: { name: submission.name, content: Buffer.from(submission.content).toString('base64') }, params: submission.params, resultKey: submission.resultKey }),
      resultKey: submission.resultKey,
    });
  }

  private async call<T>(endpoint: string, jobId: bigint, route: string, options: { method?: string; body?: string; resultKey?: string; auth?: boolean } = {}): Promise<T> {
    const account = this.market.account;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if ((options.auth ?? true) && account) headers.authorization = await jobAuthorization(account, { endpoint, chainId: this.market.deployments.chainId, jobId, ...(options.resultKey ? { resultKey: options.resultKey } : {}) });
    return providerRequest<T>(endpoint, route, { method: options.method ?? 'GET', headers, ...(options.body ? { body: options.body } : {}) });
  }

  private async endpointOf(jobId: bigint): Promise<string> {
    const file = this.jobFile(jobId);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as LocalJob).endpoint;
    const { job } = await this.job(jobId);
    const provider = await this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [job.providerId] });
    return provider.endpoint;
  }

  /** The job's report (the guard's findings, how the run ended), signed in as its buyer or its dataset's owner. */
  async report(jobId: bigint): Promise<JobReport> {
    return this.call(await this.endpointOf(jobId), jobId, `/api/v1/jobs/${jobId}/report`);
  }

  /** The node's log of the job, signed in as its buyer or its dataset's owner. */
  async logs(jobId: bigint): Promise<{ jobId: string; lines: string[]; algorithmLogs: string }> {
    return this.call(await this.endpointOf(jobId), jobId, `/api/v1/jobs/${jobId}/logs`);
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
    const endpoint = await this.endpointOf(jobId);
    return (await this.reportIfAllowed(endpoint, jobId)) ?? this.call<PublicJobView>(endpoint, jobId, `/api/v1/jobs/${jobId}`, { auth: false });
  }

  /**
   * Follows the job's public status by Server-Sent Events until it is final; returns the final status, as the
   * report when this account may read it.
   */
  async follow(jobId: bigint, onStatus?: (view: PublicJobView) => void, signal?: AbortSignal): Promise<JobView> {
    const endpoint = await this.endpointOf(jobId);
    for (;;) {
      let last: PublicJobView | undefined;
      try {
        const response = await fetch(new URL(`/api/v1/jobs/${jobId}/events`, endpoint), { headers: { accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
        if (!response.ok || !response.body) throw new ProviderRequestError(response.status, 'events', `the node answered ${response.status} for job ${jobId}'s events`);
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString('utf8');
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (!data) continue;
            last = JSON.parse(data.slice(6)) as PublicJobView;
            onStatus?.(last);
          }
        }
      } catch (error) {
        if (signal?.aborted || (error instanceof ProviderRequestError && error.status === 404)) throw error;
      }
      if (last && FINAL_STATUSES.includes(last.status)) return (await this.reportIfAllowed(endpoint, jobId)) ?? last;
      // The stream broke (node restarting): try again until it answers, or until the job can no longer settle.
      const [{ job, status }, block] = await Promise.all([this.job(jobId), this.market.publicClient.getBlock()]);
      if (status === JobStatus.Cancelled || status === JobStatus.Refunded) throw new ComputeJobError(`job ${jobId} was ${status === JobStatus.Cancelled ? 'cancelled' : 'refunded'} on-chain`, 'request a new job');
      if (status !== JobStatus.Settled && block.timestamp > job.deadline) {
        throw new ComputeJobError(`job ${jobId} passed its deadline unsettled and its node does not answer`, `take the whole escrow back: datagora job ${jobId} --refund`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /**
   * Fetches the receipt and results of a final job into `outDir` (outputs/, logs/, receipt.json), decrypting with
   * this machine's job key and verifying files, receipt signature and on-chain settlement.
   */
  async results(jobId: bigint, outDir: string): Promise<{ receipt: SignedReceipt; outputs: string[]; logs: string[]; delivered: boolean }> {
    const local = this.localJob(jobId);
    const body = await this.call<{ receipt: SignedReceipt; results: { cid: string; wrappedKey: WrappedKey } | null }>(local.endpoint, jobId, `/api/v1/jobs/${jobId}/results`);
    mkdirSync(outDir, { recursive: true });
    let outputs: string[] = [];
    let logs: string[] = [];
    if (body.results) {
      const key = unwrapResultsKey(body.results.wrappedKey, local.keyPair);
      const manifest = await fetchResults(this.market.store, body.results.cid, key, outDir);
      outputs = manifest.outputs.map((f) => f.path);
      logs = manifest.logs.map((f) => f.path);
    }
    const receiptFile = path.join(outDir, 'receipt.json');
    writeFileSync(receiptFile, `${JSON.stringify(body.receipt, null, 2)}\n`);
    const receipt = await this.verifyReceipt(receiptFile, body.results ? outDir : undefined);
    return { receipt, outputs, logs, delivered: receipt.receipt.delivered };
  }

  /**
   * Verifies a receipt file: signed by the node key of the job's provider, settled on-chain with exactly its hash,
   * minutes and delivery, and — given the results directory — the files hash to what it names.
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
    const jobId = BigInt(signed.receipt.jobId);
    const { job } = await this.job(jobId);
    const [provider, settled] = await Promise.all([
      publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [job.providerId] }),
      publicClient.getContractEvents({ address: this.computeMarket, abi: computeMarketAbi, eventName: 'JobSettled', args: { jobId }, fromBlock: BigInt(deployments.startBlock) }),
    ]);
    const event = settled[0]?.args;
    await verifyReceiptOnChain(signed, { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket }, {
      job,
      nodeKey: provider.signer,
      settlement: event ? { resultHash: event.resultHash!, minutesUsed: event.minutesUsed!, delivered: event.delivered! } : undefined,
    });
    if (resultsDir) {
      const [outputs, logs] = await Promise.all([describeFiles(path.join(resultsDir, 'outputs')).catch(() => []), describeFiles(path.join(resultsDir, 'logs')).catch(() => [])]);
      if (filesHash(outputs) !== signed.receipt.outputHash) throw new ReceiptError(`the files under ${resultsDir}/outputs do not hash to the receipt's outputHash`, 'the outputs were altered after release');
      if (filesHash(logs) !== signed.receipt.logsHash) throw new ReceiptError(`the files under ${resultsDir}/logs do not hash to the receipt's logsHash`, 'the logs were altered after release');
    }
    return signed;
  }

  /** Withdraws a job the provider has not accepted yet; the whole escrow is credited back. */
  async cancel(jobId: bigint): Promise<Hex> {
    const { job } = await this.job(jobId);
    const { hash } = await this.market.send(`cancel job ${jobId}`, { address: this.computeMarket, abi: computeMarketAbi, functionName: 'cancelJob', args: [jobId, job] });
    return hash;
  }

  /** Takes the whole escrow back of a job still unsettled after its deadline. */
  async refund(jobId: bigint): Promise<Hex> {
    const { job } = await this.job(jobId);
    const { hash } = await this.market.send(`refund job ${jobId}`, { address: this.computeMarket, abi: computeMarketAbi, functionName: 'refund', args: [jobId, job] });
    return hash;
  }

  /** The providers the owner of `datasetId` allows to run jobs on it. */
  async allowedProviders(datasetId: bigint): Promise<ProviderInfo[]> {
    const providers = await this.providers();
    const allowed = await allowedProviders(this.market.publicClient, this.computeMarket, datasetId, providers.map((p) => p.id));
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
    const events = await this.market.publicClient.getContractEvents({ address: this.computeMarket, abi: computeMarketAbi, eventName: 'JobRequested', args: { datasetId }, fromBlock: BigInt(this.market.deployments.startBlock) });
    const pending = new Map<Hex, bigint[]>();
    for (const event of events) {
      const { jobId, job } = event.args;
      if (jobId === undefined || !job) continue;
      const [status, approved] = await Promise.all([
        this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'jobStatus', args: [jobId] }),
        this.market.publicClient.readContract({ address: this.computeMarket, abi: computeMarketAbi, functionName: 'isAlgorithmApproved', args: [datasetId, job.algorithmHash] }),
      ]);
      if (approved || (status !== JobStatus.Requested && status !== JobStatus.Accepted)) continue;
      pending.set(job.algorithmHash, [...(pending.get(job.algorithmHash) ?? []), jobId]);
    }
    return [...pending].map(([hash, jobIds]) => ({ algorithmHash: hash, jobIds }));
  }
}
