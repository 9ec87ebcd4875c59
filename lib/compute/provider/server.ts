/**
 * The provider node's HTTP API (documented in openapi.ts, served at /api/v1/openapi.json): environments, job
 * submission by the job's buyer, public status (JSON or Server-Sent Events: status and counts only), the job's
 * report (the guard's findings) and the node's log of it for the buyer and the dataset's owner, and results for
 * the buyer only. A submission is refused unless the job is paid on-chain, assigned to this node, still open, and
 * the algorithm's SHA-256 is the hash the buyer committed. A run over several datasets (linked jobs) is submitted
 * once, as its first job: the node reads the rest of the run from the chain, and answers for every job of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isAddressEqual, type Address } from 'viem';
import { z } from 'zod';
import type { Config } from '../../config';
import { contractsOf } from '../../contracts';
import type { Market } from '../../market';
import { allowBrowsers, readJson, send } from '../../net/http';
import { jsonNesting } from '../../net/json';
import { assertPortFree } from '../../net/ports';
import { algorithmHash, MAX_ALGORITHM_BYTES, MAX_PARAMS_NESTING, runtimeOf } from '../algorithm';
import { verifyJobAuthorization } from '../auth';
import { ProviderRequestError } from '../errors';
import { FINAL_STATUSES } from '../api';
import { jobJson, jobReport, publicView, type JobRecord, type JobStore } from './jobs';
import { OPENAPI } from './openapi';
import type { Resources } from './resources';
import { JobStatus, type Environment, type Job } from '../settlement';
import { resultPublicKeySchema } from '../results';
import { templateByHash, templateByName, templateSummaries } from '../templates';

/** An algorithm and, for the `evaluate` template, a model of at most the same size, both base64. */
const MAX_BODY_BYTES = 2 * Math.ceil((MAX_ALGORITHM_BYTES * 4) / 3) + 128 * 1024;
const base64File = (what: string) => z.base64('must be base64').max(Math.ceil((MAX_ALGORITHM_BYTES * 4) / 3) + 4, `must be at most ${MAX_ALGORITHM_BYTES} bytes`).describe(what);

export interface ProviderServer {
  url: string;
  stop(): Promise<void>;
}

const submissionSchema = z.strictObject({
  jobId: z.string().regex(/^[1-9][0-9]{0,30}$/, 'must be a job id'),
  algorithm: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be a plain file name'),
    // Strict: Buffer.from decodes any text as base64, so a malformed one would be refused as another algorithm.
    content: base64File('the algorithm file'),
  }),
  params: z.json().optional(),
  /** A pickled model, for the `evaluate` template only. */
  model: base64File('the model file').optional(),
  resultKey: resultPublicKeySchema,
});

/** What the API serves from its provider node: the node passes itself, so this module need not import it. */
export interface ServedProvider {
  readonly config: Config;
  readonly providerId: bigint;
  readonly node: { readonly address: Address };
  readonly market: Pick<Market, 'deployments' | 'publicClient'>;
  readonly store: JobStore;
  readonly resources: Resources;
  readonly environments: readonly Environment[];
  /** Jobs running now. */
  readonly active: number;
  /** Starts queued jobs while there is room. */
  schedule(): void;
  /** The federated API (federated/routes.ts). */
  readonly federated: { handle(request: IncomingMessage, response: ServerResponse, id: string | undefined, sub: string | undefined): Promise<void> };
  log(line: string): void;
}

/** Starts the HTTP API of `provider` on its configured host and port. */
export async function startProviderServer(provider: ServedProvider): Promise<ProviderServer> {
  const { config, store, market } = provider;
  const { host, port } = config.compute;
  const { chainId } = market.deployments;
  const contracts = contractsOf(market.deployments);
  const publicHost = new URL(config.compute.url).host;
  const algorithmsDir = path.join(config.compute.dir, 'algorithms');
  mkdirSync(algorithmsDir, { recursive: true, mode: 0o700 });

  /** The record of job `jobId`: its own, or its run's. */
  function record(jobId: string): JobRecord {
    const found = store.find(jobId);
    if (!found) throw new ProviderRequestError(404, 'job-unknown', `this node has no job ${jobId}`, 'submit the job first (datagora compute)');
    return found;
  }

  /** Whether the request's SIWE sign-in for job `jobId` (of `job`'s run) is its buyer's; the signed-in address either way. */
  async function signedIn(request: IncomingMessage, jobId: string, job: JobRecord): Promise<{ address: Address; buyer: boolean }> {
    const { address } = await verifyJobAuthorization(request.headers.authorization, { host: publicHost, chainId, jobId: BigInt(jobId) });
    return { address, buyer: isAddressEqual(address, job.buyer) };
  }

  async function asBuyer(request: IncomingMessage, jobId: string, job: JobRecord): Promise<void> {
    if (!(await signedIn(request, jobId, job)).buyer) throw new ProviderRequestError(403, 'not-buyer', `only the job's buyer ${job.buyer} may read this`);
  }

  /** The buyer, or whoever owns one of the run's datasets on-chain now (ownership can move). */
  async function asBuyerOrOwner(request: IncomingMessage, jobId: string, job: JobRecord): Promise<void> {
    const signIn = await signedIn(request, jobId, job);
    if (signIn.buyer) return;
    const datasets = [job.datasetId, ...(job.linked ?? []).map((linked) => linked.datasetId)];
    const owners = await Promise.all(datasets.map((id) => market.publicClient.readContract({ ...contracts.registry, functionName: 'datasetOwner', args: [BigInt(id)] })));
    if (!owners.some((owner) => isAddressEqual(signIn.address, owner))) {
      const owned = datasets.length === 1 ? `dataset ${job.datasetId}'s owner ${owners[0]}` : `an owner of datasets ${datasets.join(', ')}`;
      throw new ProviderRequestError(403, 'not-buyer-or-owner', `only the job's buyer ${job.buyer} or ${owned} may read this`, 'sign in with the account that paid for the job or owns the dataset; anyone may read the status');
    }
  }

  /**
   * The jobs of the run `jobId` starts, as the chain holds them (ComputeMarket.jobGroup, never the buyer's word):
   * refused unless `jobId` is a paid job and the first of its run, and every job is this node's, in one environment.
   */
  async function paidRun(jobId: bigint): Promise<Job[]> {
    const [first, count] = await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobGroup', args: [jobId] });
    if (count === 0n) throw new ProviderRequestError(404, 'job-not-paid', `job ${jobId} was never requested and paid on-chain`, 'request it first: datagora compute requests and pays, then submits');
    if (first !== jobId) throw new ProviderRequestError(409, 'not-first-job', `job ${jobId} is one of the ${count} jobs of a run that starts with job ${first}`, `submit the run once, as job ${first}`);
    const ids = Array.from({ length: Number(count) }, (_, i) => first + BigInt(i));
    const events = await market.publicClient.getContractEvents({ ...contracts.computeMarket, eventName: 'JobRequested', args: { jobId: ids }, fromBlock: BigInt(market.deployments.startBlock) });
    const jobs = ids.map((id) => {
      const job = events.find((event) => event.args.jobId === id)?.args.job;
      if (!job) throw new ProviderRequestError(404, 'job-not-paid', `job ${id} was never requested and paid on-chain`, 'request it first: datagora compute requests and pays, then submits');
      if (job.providerId !== provider.providerId) throw new ProviderRequestError(403, 'wrong-provider', `job ${id} is assigned to provider ${job.providerId}, not to this node (provider ${provider.providerId})`, `submit it to provider ${job.providerId}'s endpoint`);
      return job;
    });
    const mixed = jobs.find((job) => job.environment !== jobs[0]!.environment);
    if (mixed) throw new ProviderRequestError(400, 'mixed-environments', `the run's jobs ask for environments ${jobs[0]!.environment} and ${mixed.environment}: one run runs in one environment`, 'request the run again in one environment');
    return jobs;
  }

  async function submit(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const json = await readJson(request, MAX_BODY_BYTES, (problem, message) => (problem === 'too-large' ? new ProviderRequestError(413, problem, `${message} (algorithms up to ${MAX_ALGORITHM_BYTES} bytes)`) : new ProviderRequestError(400, problem, message)));
    // Before the schema's recursive check of params (and JSON.stringify when the job is stored): deep ones overflow the stack.
    const nesting = jsonNesting(json);
    if (nesting > MAX_PARAMS_NESTING + 1) throw new ProviderRequestError(400, 'malformed-submission', `the submission nests ${nesting} levels deep: params may nest at most ${MAX_PARAMS_NESTING}`);
    const parsed = submissionSchema.safeParse(json);
    if (!parsed.success) throw new ProviderRequestError(400, 'malformed-submission', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const body = parsed.data;
    const jobId = BigInt(body.jobId);
    const signIn = await verifyJobAuthorization(request.headers.authorization, { host: publicHost, chainId, jobId });
    if (signIn.resultKey !== body.resultKey) throw new ProviderRequestError(400, 'result-key-mismatch', 'the sign-in must name the result key of the submission');
    const runtime = runtimeOf(body.algorithm.name);
    if (!runtime) throw new ProviderRequestError(400, 'runtime-unsupported', `${body.algorithm.name}: only Python (.py) and Node.js (.js, .mjs, .cjs) algorithms run here`);
    const [job, ...linked] = (await paidRun(jobId)) as [Job, ...Job[]];
    // One requestJob made the run: one buyer and one algorithm for all of its jobs.
    if (!isAddressEqual(signIn.address, job.buyer)) throw new ProviderRequestError(403, 'not-buyer', `job ${jobId} was paid by ${job.buyer}, not by ${signIn.address}`);
    const content = Buffer.from(body.algorithm.content, 'base64');
    if (content.length > MAX_ALGORITHM_BYTES) throw new ProviderRequestError(413, 'too-large', `the algorithm is over ${MAX_ALGORITHM_BYTES} bytes`);
    const hash = algorithmHash(content);
    if (hash !== job.algorithmHash) throw new ProviderRequestError(409, 'algorithm-mismatch', `the algorithm's SHA-256 ${hash} differs from the hash ${job.algorithmHash} committed on-chain`, 'submit exactly the file whose hash was paid for');
    if (body.model !== undefined && templateByHash(hash)?.name !== 'evaluate') throw new ProviderRequestError(400, 'malformed-submission', 'only jobs of the evaluate template take a model', 'send the model with an evaluate job, or leave it out');
    const statuses = await Promise.all([jobId, ...linked.map((_, i) => jobId + BigInt(i + 1))].map((id) => market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobStatus', args: [id] })));
    const closed = statuses.findIndex((status) => status !== JobStatus.Requested);
    if (closed >= 0) throw new ProviderRequestError(409, 'job-closed', `job ${jobId + BigInt(closed)} is no longer open on-chain (status ${statuses[closed]})`);
    if (store.get(body.jobId)) throw new ProviderRequestError(409, 'already-submitted', `job ${jobId} was already submitted`);
    const file = path.join(algorithmsDir, `${body.jobId}-${body.algorithm.name}`);
    writeFileSync(file, content, { mode: 0o600 });
    const model = body.model === undefined ? undefined : Buffer.from(body.model, 'base64');
    const modelFile = path.join(algorithmsDir, `${body.jobId}-model.pkl`);
    if (model) writeFileSync(modelFile, model, { mode: 0o600 });
    const now = new Date().toISOString();
    store.create({
      jobId: body.jobId,
      datasetId: job.datasetId.toString(),
      providerId: job.providerId.toString(),
      buyer: job.buyer,
      job: jobJson(job),
      ...(linked.length > 0 ? { linked: linked.map((later, i) => ({ jobId: (jobId + BigInt(i + 1)).toString(), datasetId: later.datasetId.toString(), job: jobJson(later) })) } : {}),
      algorithm: { name: body.algorithm.name, hash, runtime, file, bytes: content.length },
      params: body.params ?? {},
      ...(model ? { model: { file: modelFile, bytes: model.length } } : {}),
      resultKey: body.resultKey,
      status: 'queued',
      history: [{ status: 'queued', at: now }],
      submittedAt: now,
      attempts: 0,
    });
    provider.schedule();
    return { status: 202, body: publicView(store.get(body.jobId)!) };
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://node');
    const method = request.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'api' || parts[1] !== 'v1') throw new ProviderRequestError(404, 'not-found', `no route ${url.pathname}; see /api/v1/openapi.json`);
    const [, , resource, id, sub] = parts;
    if (method === 'GET' && resource === 'openapi.json' && !id) return send(response, 200, OPENAPI);
    if (method === 'GET' && resource === 'health' && !id) {
      return send(response, 200, { status: 'ok', providerId: provider.providerId.toString(), node: provider.node.address, version: '1', running: provider.active, queued: store.list().filter((j) => j.status === 'queued').length });
    }
    if (method === 'GET' && resource === 'environments' && !id) {
      return send(response, 200, { providerId: provider.providerId.toString(), environments: provider.environments.map((env, index) => ({ index, ...env, kind: env.kind === 1 ? 'gpu' : 'cpu' })), resources: provider.resources, templates: templateSummaries });
    }
    // A template's file: what a buyer commits to by hash and sends back as the job's algorithm.
    if (method === 'GET' && resource === 'templates' && id && !sub) {
      const template = templateByName(id);
      if (!template) throw new ProviderRequestError(404, 'not-found', `no template ${id}; GET /api/v1/environments lists them`);
      return send(response, 200, template.source, 'text/x-python; charset=utf-8');
    }
    if (resource === 'federated') return provider.federated.handle(request, response, id, sub);
    if (resource !== 'jobs') throw new ProviderRequestError(404, 'not-found', `no route ${url.pathname}; see /api/v1/openapi.json`);
    if (method === 'POST' && !id) {
      const { status, body } = await submit(request);
      return send(response, status, body);
    }
    if (method !== 'GET' || !id || !/^\d+$/.test(id)) throw new ProviderRequestError(404, 'not-found', `no route ${method} ${url.pathname}; see /api/v1/openapi.json`);
    const job = record(id);
    if (!sub) return send(response, 200, publicView(job));
    if (sub === 'events') return store.stream(response, job.jobId, publicView, (r) => FINAL_STATUSES.includes(r.status));
    if (sub === 'report') {
      await asBuyerOrOwner(request, id, job);
      return send(response, 200, jobReport(job));
    }
    if (sub === 'logs') {
      await asBuyerOrOwner(request, id, job);
      const lines = job.history.map((e) => `${e.at} ${e.status}${e.detail ? `: ${e.detail}` : ''}`);
      return send(response, 200, { jobId: job.jobId, lines, algorithmLogs: job.results ? 'released with the results (logs/)' : FINAL_STATUSES.includes(job.status) ? 'not released' : 'released with the results once the output guard passes them' });
    }
    if (sub === 'results') {
      await asBuyer(request, id, job);
      if (!FINAL_STATUSES.includes(job.status) || !job.receipt) throw new ProviderRequestError(409, 'not-finished', `job ${id} is ${job.status}; results come once it is finished or failed`);
      return send(response, 200, { jobId: job.jobId, status: job.status, receipt: job.receipt, results: job.results ?? null, settlement: job.settlement ?? null });
    }
    throw new ProviderRequestError(404, 'not-found', `no route ${url.pathname}; see /api/v1/openapi.json`);
  }

  await assertPortFree(host, port, 'DATAGORA_PROVIDER_PORT', 'the provider node');
  const server = createServer((request, response) => {
    if (allowBrowsers(request, response)) return;
    route(request, response).catch((error: unknown) => {
      if (error instanceof ProviderRequestError) return send(response, error.status, { error: error.code, reason: error.message, hint: error.hint });
      provider.log(`error on ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) send(response, 500, { error: 'internal', reason: 'the provider node failed on this request; see its log' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
