/**
 * The provider node (`datagora provider`): registers itself on ComputeMarket with its endpoint, node key and the
 * environments its hardware offers, serves the job API (server.ts), and runs accepted jobs through the pipeline
 * with a concurrency limit and a FIFO queue. Jobs are persisted: after a crash the node recovers its queue and
 * re-runs or settles every unfinished job.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatEther, isAddressEqual, parseEther, parseUnits, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { openKeyNetwork, type KeyNetwork } from '../../access';
import { walletFor } from '../../chain';
import type { Config } from '../../config';
import { contractsOf } from '../../contracts';
import { ProviderSetupError } from '../errors';
import { Market } from '../../market';
import { FINAL_STATUSES } from '../api';
import { JobStore, runJobs, type JobRecord } from './jobs';
import { admission, runJob, settleRun, type PipelineContext } from './pipeline';
import { detectResources, type Resources } from './resources';
import { JobStatus, signProviderNode, type Environment } from '../settlement';
import type { ComputeEngine } from '../engine';
import { computeEngine } from '../index';
import { startProviderServer, type ProviderServer } from './server';
import { removeWorkspace } from '../../os/workspace';
import type { AgreementKeyPair } from '../../federated';
import { loadAgreementKey, publishAgreementKey } from './federated/keys';
import { federatedApi, type FederatedApi } from './federated/routes';

/** The dev account `npm start` runs its first provider as (its second runs as dev account 8, also a demo buyer: an operator sends transactions only when its node starts, before the demo buys anything). */
export const PROVIDER_DEV_ACCOUNT = 9;

/** Below this the node key is topped up by the operator, so settlements never stall for gas. */
const MIN_NODE_GAS = parseEther('0.05');
const NODE_GAS_TOP_UP = parseEther('0.5');
const APPROVAL_POLL_MS = 2_000;

export interface ProviderNodeOptions {
  config: Config;
  /** The operator: registers the provider and is paid for its minutes. */
  operator: LocalAccount;
  /** Override detected hardware (tests). */
  resources?: Resources;
  log?: (line: string) => void;
}

/** Loads the node key from `dir/node-key`, creating it (0600) on first start. Never logged. */
export function loadNodeKey(dir: string): LocalAccount {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'node-key');
  if (!existsSync(file)) writeFileSync(file, `${generatePrivateKey()}\n`, { mode: 0o600, flag: 'wx' });
  return privateKeyToAccount(readFileSync(file, 'utf8').trim() as Hex);
}

/** The environments `resources` offer at the configured prices (6-decimal stablecoin units). */
export function environmentsFor(resources: Resources, config: Config, decimals: number): Environment[] {
  const environments: Environment[] = [
    { kind: 0, cpus: resources.cpus, memoryMb: Math.min(resources.memoryMb, config.compute.jobMemoryMb), gpus: 0, gpuModel: '', pricePerMinute: parseUnits(config.compute.cpuPricePerMinute, decimals) },
  ];
  if (resources.gpus.length > 0) {
    environments.push({
      kind: 1,
      cpus: resources.cpus,
      memoryMb: Math.min(resources.memoryMb, config.compute.jobMemoryMb),
      gpus: resources.gpus.length,
      gpuModel: resources.gpus[0]!.model,
      pricePerMinute: parseUnits(config.compute.gpuPricePerMinute, decimals),
    });
  }
  return environments;
}

function sameEnvironments(a: readonly Environment[], b: readonly Environment[]): boolean {
  return a.length === b.length && a.every((e, i) => JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b[i], (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

export class ProviderNode {
  private readonly running = new Set<string>();
  private server?: ProviderServer;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  /** The federated API its server answers under /api/v1/federated. */
  readonly federated: FederatedApi;

  private constructor(
    readonly config: Config,
    readonly providerId: bigint,
    readonly node: LocalAccount,
    readonly market: Market,
    readonly keys: KeyNetwork,
    readonly engine: ComputeEngine,
    readonly store: JobStore,
    readonly resources: Resources,
    readonly environments: Environment[],
    readonly log: (line: string) => void,
    agreementKey: AgreementKeyPair,
  ) {
    this.federated = federatedApi(this.context(), providerId, agreementKey, config);
  }

  /** Registers (or updates) the provider on-chain, recovers the queue and starts serving. */
  static async start(options: ProviderNodeOptions): Promise<ProviderNode> {
    const { config } = options;
    const log = options.log ?? (() => undefined);
    const engine = computeEngine(config.compute);
    const support = await engine.support();
    if (!support.ok) throw new ProviderSetupError(support.reason, support.hint);
    const node = loadNodeKey(config.compute.dir);
    const resources = options.resources ?? (await detectResources());
    const operatorMarket = await Market.open(config, { account: options.operator });
    let market: Market | undefined;
    try {
      const { deployments, publicClient } = operatorMarket;
      const environments = environmentsFor(resources, config, deployments.stablecoin.decimals);
      const { computeMarket } = contractsOf(deployments);
      let providerId = await publicClient.readContract({ ...computeMarket, functionName: 'providerIdOf', args: [node.address] });
      const consent = () => signProviderNode(node, { chainId: deployments.chainId, computeMarket: computeMarket.address }, options.operator.address, config.compute.url);
      if (providerId === 0n) {
        await operatorMarket.send('register the provider', { ...computeMarket, functionName: 'registerProvider', args: [config.compute.url, node.address, environments, await consent()] });
        providerId = await publicClient.readContract({ ...computeMarket, functionName: 'providerIdOf', args: [node.address] });
        log(`registered provider ${providerId} (node ${node.address}, operator ${options.operator.address})`);
      } else {
        const current = await publicClient.readContract({ ...computeMarket, functionName: 'getProvider', args: [providerId] });
        if (!isAddressEqual(current.owner, options.operator.address)) {
          throw new ProviderSetupError(`provider ${providerId} belongs to ${current.owner}, not to the operator ${options.operator.address}`, 'run the provider as the account that registered it (--account / --private-key-env)');
        }
        if (current.endpoint !== config.compute.url || !sameEnvironments(current.environments, environments)) {
          await operatorMarket.send('update the provider', { ...computeMarket, functionName: 'updateProvider', args: [providerId, config.compute.url, node.address, environments, await consent()] });
          log(`updated provider ${providerId}: ${config.compute.url}`);
        }
      }
      const agreementKey = await loadAgreementKey(config.compute.dir);
      if (await publishAgreementKey(operatorMarket, providerId, agreementKey.publicKey)) log(`published provider ${providerId}'s agreement key for federated training`);
      const gas = await publicClient.getBalance({ address: node.address });
      if (gas < MIN_NODE_GAS) {
        const hash = await walletFor(publicClient, options.operator).sendTransaction({ to: node.address, value: NODE_GAS_TOP_UP });
        await publicClient.waitForTransactionReceipt({ hash });
        log(`topped up the node key with ${formatEther(NODE_GAS_TOP_UP)} ETH for settlement gas`);
      }
      market = await Market.open(config, { account: node });
      const keys = await openKeyNetwork(config, deployments);
      const store = new JobStore(path.join(config.compute.dir, 'jobs'));
      // Workspaces left by a node killed mid-job may hold decrypted data: remove them before anything runs.
      const workDir = path.join(config.compute.dir, 'work');
      for (const entry of existsSync(workDir) ? readdirSync(workDir) : []) {
        if (entry.startsWith('ws-')) await removeWorkspace(path.join(workDir, entry));
      }
      const provider = new ProviderNode(config, providerId, node, market, keys, engine, store, resources, environments, log, agreementKey);
      provider.server = await startProviderServer(provider);
      await provider.recover();
      provider.timer = setInterval(() => provider.tick(), APPROVAL_POLL_MS);
      provider.schedule();
      log(`provider ${providerId} serving ${provider.server.url} (${resources.cpus} CPUs, ${resources.memoryMb} MB${resources.gpus.length ? `, ${resources.gpus.length}× ${resources.gpus[0]!.model}` : ''}; ${config.compute.concurrency} job(s) at once)`);
      return provider;
    } catch (error) {
      await market?.close();
      throw error;
    } finally {
      await operatorMarket.close();
    }
  }

  get url(): string {
    return this.server!.url;
  }

  /** What environment `index` offers, for the sandbox and the receipt. */
  environment(index: number): ReturnType<PipelineContext['environment']> {
    const env = this.environments[index] ?? this.environments[0]!;
    if (env.kind === 1) {
      return {
        cpus: env.cpus,
        hardware: `gpu ${env.gpus}× ${env.gpuModel}, ${env.cpus} CPUs, ${env.memoryMb} MB`,
        gpu: { devices: this.resources.gpuDevices, libraryDirs: this.resources.cudaLibraryDirs },
      };
    }
    return { cpus: env.cpus, hardware: `cpu ${env.cpus} CPUs, ${env.memoryMb} MB` };
  }

  private context(): PipelineContext {
    return {
      store: this.store,
      market: this.market,
      keys: this.keys,
      engine: this.engine,
      node: this.node,
      workDir: path.join(this.config.compute.dir, 'work'),
      jobMemoryMb: this.config.compute.jobMemoryMb,
      jobDiskMb: this.config.compute.jobDiskMb,
      environment: (index) => this.environment(index),
      log: this.log,
    };
  }

  /**
   * After a restart: a job cut off mid-run is checked on-chain — settled or closed jobs are marked so, the rest
   * go back to the queue and run again from the start (their workspace was wiped or is discarded). A run goes back
   * while any of its jobs is open, so that one cut off between two settlements still settles the rest.
   */
  private async recover(): Promise<void> {
    const { computeMarket } = contractsOf(this.market.deployments);
    for (const record of this.store.list()) {
      if (FINAL_STATUSES.includes(record.status) || record.status === 'queued') continue;
      if (record.pending) {
        await this.settlePending(record.jobId);
        continue;
      }
      const [status, ...later] = await Promise.all(runJobs(record).map(({ jobId }) => this.market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] })));
      const laterOpen = later.some((s) => s === JobStatus.Requested || s === JobStatus.Accepted);
      if (!laterOpen && status === JobStatus.Settled && record.receipt) {
        const failed = record.receipt.receipt.status === 'failed';
        this.store.update(record.jobId, { status: failed ? 'failed' : 'finished', finishedAt: new Date().toISOString(), ...(failed ? { reason: (record.receipt.receipt.reason || 'node-error') as JobRecord['reason'] } : {}) }, 'settled before the node restarted');
      } else if (!laterOpen && (status === JobStatus.Cancelled || status === JobStatus.Refunded || status === JobStatus.Settled)) {
        this.store.update(record.jobId, { status: status === JobStatus.Cancelled ? 'cancelled' : 'failed', reason: 'node-error', finishedAt: new Date().toISOString() }, `closed on-chain while the node was down (status ${status})`);
      } else {
        this.store.update(record.jobId, { status: 'queued' }, `the node restarted during ${record.status}: the job runs again from the start`);
        this.log(`job ${record.jobId}: recovered after a restart, queued again`);
      }
    }
  }

  /** The node's timer: queued jobs start, and federated sessions left unfinished are settled before their deadline. */
  private tick(): void {
    this.schedule();
    if (this.stopping) return;
    this.federated.settleUnfinished().catch((error: unknown) => this.log(`federated sessions: ${(error as Error).message}`));
  }

  /** A run cut off while settling: the jobs still open settle with the receipt it had signed, nothing runs again. */
  private async settlePending(id: string): Promise<void> {
    try {
      const done = await settleRun(this.context(), id);
      this.log(`job ${id}: recovered after a restart while settling: ${done.status}`);
    } catch (error) {
      this.log(`job ${id}: settlement failed: ${(error as Error).message}`);
      this.store.update(id, { status: 'failed', reason: 'node-error', finishedAt: new Date().toISOString(), pending: undefined }, 'could not settle on-chain; the buyer can refund after the deadline');
    }
  }

  /** Starts queued jobs while there is capacity, oldest first; jobs awaiting the owner's approval wait. */
  schedule(): void {
    if (this.stopping) return;
    for (const record of this.store.list()) {
      if (this.running.size >= this.config.compute.concurrency) return;
      if (record.status !== 'queued' || this.running.has(record.jobId)) continue;
      this.running.add(record.jobId);
      void this.start(record);
    }
  }

  private async start(record: JobRecord): Promise<void> {
    const ctx = this.context();
    try {
      if ((await admission(ctx, record)) === 'wait') {
        if (record.detail !== 'waiting for the dataset owner to approve the algorithm') this.store.update(record.jobId, { detail: 'waiting for the dataset owner to approve the algorithm' });
        return;
      }
      const done = await runJob(ctx, this.store.get(record.jobId)!);
      this.log(`job ${done.jobId}: ${done.status}${done.reason ? ` (${done.reason})` : ''}`);
    } catch (error) {
      this.log(`job ${record.jobId}: ${(error as Error).message}`);
    } finally {
      this.running.delete(record.jobId);
      this.schedule();
    }
  }

  /** Jobs running now. */
  get active(): number {
    return this.running.size;
  }

  /** Stops serving and scheduling. Jobs still running are abandoned, as in a crash, and recovered by the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.server?.stop();
    await Promise.all([this.market.close(), this.keys.close()]);
  }
}
