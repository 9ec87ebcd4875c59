/**
 * Federated training test bed: the market's services, two provider nodes (operators 9 and 8) each with its own
 * directory and port, a buyer, and the calls a buyer's aggregator makes: a run of linked jobs paid for a plan,
 * and the signed requests of the federated API.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEventLogs, type Hex } from 'viem';
import { jobAuthorization } from '@/lib/compute/auth';
import { jobInput, quoteJob } from '@/lib/compute/buyer/quote';
import { ProviderRequestError } from '@/lib/compute/errors';
import type { Job } from '@/lib/compute/settlement';
import { PROVIDER_DEV_ACCOUNT, ProviderNode } from '@/lib/compute/provider/node';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import { planHash, type FederatedPlanInput } from '@/lib/federated';
import type { Market } from '@/lib/market';
import { freePort } from './market';
import { startTestServices, type TestServices } from './services';

export const FEDERATED_OPERATORS = [PROVIDER_DEV_ACCOUNT, 8] as const;
const RESOURCES = { cpus: 2, memoryMb: 4096, gpus: [], gpuDevices: [], cudaLibraryDirs: [] };

export interface FederatedBed {
  services: TestServices;
  providers: [ProviderNode, ProviderNode];
  /** The nodes of `moreOperators`, in order. */
  more: ProviderNode[];
  stop(): Promise<void>;
}

/** The services and two provider nodes (and one per operator of `moreOperators`), each in its own directory on its own port. */
export async function startFederatedBed(moreOperators: readonly number[] = []): Promise<FederatedBed> {
  const services = await startTestServices();
  const providers: ProviderNode[] = [];
  try {
    for (const operator of [...FEDERATED_OPERATORS, ...moreOperators]) {
      const port = await freePort();
      const compute = { ...services.config.compute, port, url: `http://127.0.0.1:${port}`, dir: mkdtempSync(path.join(os.tmpdir(), 'datagora-federated-node-')) };
      providers.push(await ProviderNode.start({ config: { ...services.config, compute }, operator: services.account(operator), resources: RESOURCES, ...(process.env.DATAGORA_TEST_LOG ? { log: (line: string) => console.log(line) } : {}) }));
    }
  } catch (error) {
    await Promise.all(providers.map((p) => p.stop()));
    await services.stop();
    throw error;
  }
  return {
    services,
    providers: providers.slice(0, 2) as [ProviderNode, ProviderNode],
    more: providers.slice(2),
    async stop() {
      // A test may have stopped a node already, as a crash.
      await Promise.allSettled(providers.map((p) => p.stop()));
      await services.stop();
    },
  };
}

export interface FederatedRun {
  firstJobId: bigint;
  /** The run's jobs in order: one per participant. */
  jobs: { jobId: bigint; job: Job; escrow: bigint }[];
  hash: Hex;
}

/**
 * `buyer` pays one run of linked jobs, one per participant of `plan` (ε reserved per dataset from `epsilon`),
 * committing to `committed` (the plan's hash unless a test commits to another plan's), as an aggregator does.
 */
export async function payRun(buyer: Market, plan: FederatedPlanInput, options: { epsilon?: Record<string, bigint>; maxMinutes?: number; participants?: FederatedPlanInput['participants']; committed?: Hex } = {}): Promise<FederatedRun> {
  const { publicClient, deployments } = buyer;
  const contracts = contractsOf(deployments);
  const maxMinutes = options.maxMinutes ?? 5;
  const inputs = [];
  let total = 0n;
  for (const { datasetId, providerId } of options.participants ?? plan.participants) {
    const choice = { datasetId: BigInt(datasetId), providerId: BigInt(providerId), environment: 0, maxMinutes, aiTraining: true, epsilon: options.epsilon?.[String(datasetId)] ?? 0n };
    const quote = await quoteJob(publicClient, deployments.contracts, choice, buyer.account!.address);
    inputs.push(jobInput(choice, quote));
    total += quote.escrow;
  }
  const hash = options.committed ?? planHash(plan);
  await buyer.send('approve', { ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, total] });
  const { logs } = await buyer.send('request the run', { ...contracts.computeMarket, functionName: 'requestJob', args: [inputs, hash, true, maxMinutes, total] });
  const jobs = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] }).map((event) => ({ jobId: event.args.jobId, job: event.args.job, escrow: event.args.escrow }));
  return { firstJobId: jobs[0]!.jobId, jobs, hash };
}

/**
 * A call of the federated API on `endpoint` for job `jobId`, signed in as `as` (with `resultKey` bound for a join).
 * Resolves to the answer's JSON; a refusal rejects with ProviderRequestError (its status and code).
 */
export async function federatedCall<T = Record<string, unknown>>(as: Market, endpoint: string, jobId: bigint, route: string, body: unknown, resultKey?: string): Promise<T> {
  const authorization = await jobAuthorization(as.account!, { endpoint, chainId: as.deployments.chainId, jobId, ...(resultKey ? { resultKey } : {}) });
  const response = await fetch(new URL(route, endpoint), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as { error?: string; reason?: string };
  if (!response.ok) throw new ProviderRequestError(response.status, json.error ?? 'error', json.reason ?? `HTTP ${response.status}`);
  return json as T;
}
