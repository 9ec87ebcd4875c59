/**
 * The provider node's federated API under /api/v1/federated (documented in ../openapi.ts): the buyer's aggregator
 * joins a federated job with its plan and local step, drives its rounds one at a time and finishes it with the
 * final model; anyone may follow a session's public view (counts and times, never values). Every call but the
 * public ones is signed in as the job's buyer, as job submissions are (../../auth.ts). One call runs per session at
 * a time: a second is refused while the first holds its lock.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isAddressEqual } from 'viem';
import { z } from 'zod';
import type { Config } from '../../../config';
import { FederatedUpdateError, MAX_ROUNDS, modelFromBase64, ringToBase64, type AgreementKeyPair } from '../../../federated';
import { readJson, send } from '../../../net/http';
import { MAX_ALGORITHM_BYTES } from '../../algorithm';
import { verifyJobAuthorization } from '../../auth';
import { ProviderRequestError } from '../../errors';
import { resultPublicKeySchema } from '../../results';
import { JobStatus } from '../../settlement';
import { jobStruct } from '../jobs';
import { contractsOf } from '../../../contracts';
import { finishSession, resultsView, SELF_SETTLE_MARGIN_S } from './finish';
import { joinSession } from './join';
import { runRound, type FederatedContext } from './round';
import type { PipelineContext } from '../pipeline';
import { publicSessionView, SessionStore, type FederatedSession } from './session';

const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);
const JOIN_BODY_BYTES = base64Length(MAX_ALGORITHM_BYTES) + (64 << 10);
/** How often the node reads the chain's clock for sessions left unfinished. */
const SELF_SETTLE_CHECK_MS = 10_000;
const jobId = z.string().regex(/^[1-9][0-9]{0,30}$/, 'must be a job id');

const joinSchema = z.strictObject({
  jobId,
  plan: z.unknown(),
  algorithm: z.strictObject({
    name: z.string().max(128),
    // Strict: Buffer.from decodes any text as base64, so a malformed one would be refused as another file.
    content: z.base64('must be base64').max(base64Length(MAX_ALGORITHM_BYTES), `must be at most ${MAX_ALGORITHM_BYTES} bytes`),
  }),
  resultKey: resultPublicKeySchema,
});

const modelField = z.string().describe('the model: d float64, little-endian, in base64');
const roundSchema = z.strictObject({
  round: z.number().int().min(1).max(MAX_ROUNDS),
  attempt: z.number().int().min(1).max(2 ** 32 - 1),
  participants: z.array(jobId.describe('a provider id')).min(2, 'an attempt takes at least 2 providers: a sum of one is that provider’s update').max(8),
  model: modelField,
});
const finishSchema = z.strictObject({ model: modelField });

function parse<T>(schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProviderRequestError(400, 'malformed-request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

/** A model sent as base64: exactly `dimension` finite float64, little-endian. */
function decodeModel(text: string, dimension: number): Float64Array {
  try {
    return modelFromBase64(text, dimension);
  } catch (error) {
    if (error instanceof FederatedUpdateError) throw new ProviderRequestError(400, 'malformed-model', error.message, error.hint);
    throw error;
  }
}

/** The federated routes of one node: `handle` answers /api/v1/federated[/<jobId>[/<sub>]]. */
export class FederatedApi {
  /** Sessions (by job id) with a call running: one at a time each. */
  private readonly busy = new Set<string>();
  private lastSelfSettle = 0;
  /** Rounds running their local step now, and those waiting for one to end, first come first served. */
  private stepsRunning = 0;
  private readonly stepsWaiting: (() => void)[] = [];

  constructor(
    private readonly ctx: FederatedContext,
    /** The node's public host: the SIWE domain sign-ins must name. */
    private readonly host: string,
    /** How many rounds may run at once (the node's concurrency): more wait their turn, however many runs were paid. */
    private readonly maxSteps: number,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse, id: string | undefined, sub: string | undefined): Promise<void> {
    const method = request.method ?? 'GET';
    if (method === 'POST' && !id) return send(response, 202, await this.locked(undefined, (body) => this.join(request, body), request, JOIN_BODY_BYTES));
    if (!id || !/^\d+$/.test(id)) throw new ProviderRequestError(404, 'not-found', `no route ${method} ${request.url}; see /api/v1/openapi.json`);
    const session = this.session(id);
    if (method === 'GET' && !sub) return send(response, 200, publicSessionView(session));
    if (method === 'GET' && sub === 'events') return this.ctx.sessions.stream(response, session.jobId, publicSessionView, (s) => s.status === 'finished' || s.status === 'failed' || s.status === 'closed');
    if (method === 'GET' && sub === 'results') {
      await this.signedIn(request, session.jobId, session.buyer);
      if (session.status !== 'finished') throw new ProviderRequestError(409, 'not-finished', `federated job ${id} is ${session.status}; its results come once it is finished`, 'finish the training (POST /api/v1/federated/<jobId>/finish)');
      return send(response, 200, resultsView(session));
    }
    const modelBytes = base64Length(session.plan.dimension * 8) + 4096;
    if (method === 'POST' && sub === 'rounds') return send(response, 200, await this.locked(session, (body) => this.round(request, session.jobId, body), request, modelBytes));
    if (method === 'POST' && sub === 'finish') return send(response, 200, await this.locked(session, (body) => this.finish(request, session.jobId, body), request, modelBytes));
    throw new ProviderRequestError(404, 'not-found', `no route ${method} ${request.url}; see /api/v1/openapi.json`);
  }

  private session(id: string): FederatedSession {
    const session = this.ctx.sessions.get(id);
    if (!session) throw new ProviderRequestError(404, 'not-joined', `this node has no federated job ${id}`, 'join it first (POST /api/v1/federated)');
    return session;
  }

  /** Reads the body, then runs `work` holding the session's lock (a join locks the job id it names). */
  private async locked<T>(session: FederatedSession | undefined, work: (body: unknown) => Promise<T>, request: IncomingMessage, maxBytes: number): Promise<T> {
    const body = await readJson(request, maxBytes, (problem, message) => new ProviderRequestError(problem === 'too-large' ? 413 : 400, problem, message));
    const key = session?.jobId ?? (typeof body === 'object' && body !== null && 'jobId' in body ? String(body.jobId) : '');
    if (this.busy.has(key)) throw new ProviderRequestError(409, 'session-busy', `federated job ${key} is already handling a call`, 'wait for its answer');
    this.busy.add(key);
    try {
      return await work(body);
    } finally {
      this.busy.delete(key);
    }
  }

  /** The buyer's sign-in for `jobId` (its address), checked against `buyer` when given. */
  private async signedIn(request: IncomingMessage, jobId: string, buyer?: `0x${string}`) {
    const signIn = await verifyJobAuthorization(request.headers.authorization, { host: this.host, chainId: this.ctx.market.deployments.chainId, jobId: BigInt(jobId) });
    if (buyer && !isAddressEqual(signIn.address, buyer)) throw new ProviderRequestError(403, 'not-buyer', `federated job ${jobId} was paid by ${buyer}, not by ${signIn.address}`);
    return signIn;
  }

  private async join(request: IncomingMessage, json: unknown) {
    const body = parse(joinSchema, json);
    const signIn = await this.signedIn(request, body.jobId);
    if (signIn.resultKey !== body.resultKey) throw new ProviderRequestError(400, 'result-key-mismatch', 'the sign-in must name the result key of the join');
    const session = await joinSession(this.ctx, signIn.address, { jobId: BigInt(body.jobId), plan: body.plan, algorithm: { name: body.algorithm.name, content: Buffer.from(body.algorithm.content, 'base64') }, resultKey: body.resultKey });
    return publicSessionView(session);
  }

  private async round(request: IncomingMessage, jobId: string, json: unknown) {
    const body = parse(roundSchema, json);
    await this.signedIn(request, jobId, this.session(jobId).buyer);
    const session = this.session(jobId);
    if (session.status !== 'open') throw new ProviderRequestError(409, 'session-closed', `federated job ${jobId} is ${session.status}: it takes no more rounds`);
    const listed = new Set(session.plan.participants.map((p) => BigInt(p.providerId)));
    const participants = [...new Set(body.participants.map(BigInt))].sort((a, b) => (a < b ? -1 : 1));
    if (participants.length !== body.participants.length) throw new ProviderRequestError(400, 'malformed-request', 'participants: a provider is named twice');
    const stranger = participants.find((p) => !listed.has(p));
    if (stranger !== undefined) throw new ProviderRequestError(403, 'participant-unknown', `provider ${stranger} is not a participant of the plan`);
    if (!participants.includes(this.ctx.providerId)) throw new ProviderRequestError(400, 'participant-missing', `the attempt's participants must include this node's provider ${this.ctx.providerId}`);
    const model = decodeModel(body.model, session.plan.dimension);
    if (this.stepsRunning < this.maxSteps) this.stepsRunning += 1;
    else await new Promise<void>((resolve) => this.stepsWaiting.push(resolve));
    try {
      const answer = await runRound(this.ctx, session, { round: body.round, attempt: body.attempt, participants, model });
      return { round: answer.round, attempt: answer.attempt, masked: ringToBase64(answer.masked), receipt: answer.receipt };
    } finally {
      // The turn goes to the next round waiting, if any.
      const next = this.stepsWaiting.shift();
      if (next) next();
      else this.stepsRunning -= 1;
    }
  }

  private async finish(request: IncomingMessage, jobId: string, json: unknown) {
    const body = parse(finishSchema, json);
    await this.signedIn(request, jobId, this.session(jobId).buyer);
    const current = this.session(jobId);
    // Asked again (the answer was lost), a finished session answers what it did.
    if (current.status === 'finished') return resultsView(current);
    const model = decodeModel(body.model, current.plan.dimension);
    return resultsView(await finishSession(this.ctx, current, model));
  }

  /**
   * Settles every session that released updates, was never finished and is within SELF_SETTLE_MARGIN_S of its
   * deadline by the chain's clock (finish.ts says why); a session the chain closed without it is marked closed.
   * Called on the node's timer; reads the chain at most every SELF_SETTLE_CHECK_MS, and only with such sessions.
   */
  async settleUnfinished(): Promise<void> {
    if (Date.now() - this.lastSelfSettle < SELF_SETTLE_CHECK_MS) return;
    this.lastSelfSettle = Date.now();
    const unsettled = this.ctx.sessions.list().filter((s) => (s.status === 'open' || s.status === 'publishing' || s.status === 'failed') && s.released > 0);
    if (unsettled.length === 0) return;
    const { market } = this.ctx;
    const { timestamp } = await market.publicClient.getBlock();
    for (const session of unsettled) {
      const { deadline } = jobStruct(session.job);
      if (timestamp + BigInt(SELF_SETTLE_MARGIN_S) < deadline || this.busy.has(session.jobId)) continue;
      this.busy.add(session.jobId);
      try {
        const status = await market.publicClient.readContract({ ...contractsOf(market.deployments).computeMarket, functionName: 'jobStatus', args: [BigInt(session.jobId)] });
        if (status !== JobStatus.Accepted || timestamp > deadline) {
          const why = status !== JobStatus.Accepted ? `closed on-chain without this node's settlement (status ${status})` : 'its deadline passed before the node could settle it: its buyer may refund it';
          this.ctx.sessions.update(session.jobId, { status: 'closed', detail: why });
          continue;
        }
        await finishSession(this.ctx, session, undefined);
        this.ctx.log(`federated job ${session.jobId}: the buyer never finished; settled the ${session.released} update(s) released before the deadline`);
      } catch (error) {
        this.ctx.log(`federated job ${session.jobId}: could not settle it before the deadline: ${(error as Error).message}`);
      } finally {
        this.busy.delete(session.jobId);
      }
    }
  }
}

/** The federated API of a node: its pipeline context, its provider, its agreement key, sessions kept under its directory. */
export function federatedApi(ctx: PipelineContext, providerId: bigint, agreementKey: AgreementKeyPair, config: Config): FederatedApi {
  const sessions = new SessionStore(path.join(config.compute.dir, 'federated'));
  return new FederatedApi({ ...ctx, providerId, agreementKey, sessions, algorithmsDir: path.join(config.compute.dir, 'algorithms') }, new URL(config.compute.url).host, config.compute.concurrency);
}
