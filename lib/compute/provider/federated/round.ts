/**
 * One round of a federated job at this node: the buyer's local step runs in the sandbox on this node's dataset
 * and the global model it was sent; the node reads the update it wrote, refuses one of the wrong shape, clips and
 * noises it itself (lib/federated: whatever the local step wrote, what leaves has norm at most C·n plus the noise,
 * √2·C·n with the loss a plan may ask for, clamped to its bound), weights it by its dataset's record count, which it counts itself, encodes it in the ring and masks it for the
 * attempt's participants with their on-chain agreement keys. Only the masked vector leaves, with a signed receipt.
 */
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from 'viem';
import { contractsOf } from '../../../contracts';
import { encodeFixed, epsilonMillionths, maskVector, parseLocalUpdate, ringToBytes, sharedSecret, vectorLength, weightedRelease, modelHash, type AgreementKeyPair, type FederatedPlan, type LocalUpdate, type Peer } from '../../../federated';
import type { DatasetDetails } from '../../../market';
import { createWorkspace } from '../../../os/workspace';
import { FAILURE_REASONS } from '../../api';
import { SANDBOX_PATHS, type SandboxResult } from '../../engine';
import { ProviderRequestError } from '../../errors';
import { signRoundReceipt, type SignedRoundReceipt } from '../../round-receipt';
import { JobStatus } from '../../settlement';
import { datasetDdo } from '../ddo';
import { JobFailure } from '../failure';
import { dataKeyOf, decryptInto } from '../inputs';
import { jobStruct } from '../jobs';
import type { PipelineContext } from '../pipeline';
import type { FederatedSession, SessionStore } from './session';

/** What a node's federated API works with: the pipeline's context, its provider, its agreement key and its sessions. */
export interface FederatedContext extends PipelineContext {
  providerId: bigint;
  agreementKey: AgreementKeyPair;
  sessions: SessionStore;
  /** Where local steps are kept (0600). */
  algorithmsDir: string;
}

/** A round the buyer asked for, parsed. */
export interface RoundRequest {
  round: number;
  attempt: number;
  /** The attempt's providers, ascending. */
  participants: bigint[];
  model: Float64Array;
}

/** Below this much run time left, a round is refused rather than started to be killed. */
const MIN_ROUND_SECONDS = 10;
/** Time kept before the deadline to finish: store the final outputs and settle. */
const FINISH_MARGIN_S = 60;
/** Every coordinate as JSON takes at most ~25 bytes; the rest is the update's keys. */
const updateLimit = (dimension: number) => 4096 + 32 * dimension;
const LOG_LIMIT = 1 << 20;

/** A round that failed at this node: nothing was released. `code` says why, in the node's own words. */
export class RoundFailure extends ProviderRequestError {
  constructor(code: string, message: string) {
    super(422, code, message, 'retry the round without this node (a higher attempt), or finish');
  }
}

/**
 * Whether `request` may run now: rounds go in order (the next round only after this node released the one before;
 * a retry of a round takes a higher attempt than any tried), no attempt runs twice — its masks would then cancel
 * between two of this node's own releases — and a retry of a round this node already released in names only
 * providers of that release: the round is retried without the nodes that failed it. Otherwise sums over
 * overlapping sets ({1,2}, {1,3}, {2,3}) of the same round would give each update away where there is no noise.
 */
export function checkRoundOrder(session: Pick<FederatedSession, 'plan' | 'rounds'>, request: Pick<RoundRequest, 'round' | 'attempt' | 'participants'>): void {
  const { round, attempt } = request;
  const { rounds: total } = session.plan;
  if (round > total) throw new ProviderRequestError(400, 'round-out-of-range', `the plan has ${total} rounds; there is no round ${round}`);
  const released = session.rounds.filter((entry) => entry.outcome === 'released');
  const answered = released.reduce((last, entry) => Math.max(last, entry.round), 0);
  const tried = session.rounds.at(-1);
  if (round > answered + 1) throw new ProviderRequestError(409, 'round-out-of-order', `round ${round} comes after round ${answered + 1}, which this node has not answered`, `send round ${answered + 1} first`);
  if (tried && (round < tried.round || session.rounds.some((entry) => entry.round === round && entry.attempt >= attempt))) {
    const highest = session.rounds.filter((entry) => entry.round === round).reduce((last, entry) => Math.max(last, entry.attempt), 0);
    throw new ProviderRequestError(409, 'round-replayed', `round ${round} attempt ${attempt} was already tried here (the last was round ${tried.round} attempt ${tried.attempt})`, round < tried.round ? `the run is at round ${tried.round}` : `retry with an attempt above ${highest}`);
  }
  const before = released.filter((entry) => entry.round === round).at(-1);
  const newcomer = before && request.participants.find((p) => !before.providers.includes(p.toString()));
  if (newcomer !== undefined) {
    throw new ProviderRequestError(409, 'participants-grew', `this node answered round ${round} with providers ${before!.providers.join(', ')}: a retry may only leave some out, not add provider ${newcomer}`, 'retry the round without the providers that failed it');
  }
}

/** Data records in `file`: its lines, less a CSV's header. */
async function countRecords(file: string, format: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) if (byte === 0x0a) lines += 1;
    last = chunk.at(-1) ?? last;
  }
  if (last !== 0x0a) lines += 1;
  return Math.max(0, format === 'csv' ? lines - 1 : lines);
}

function runFailure(result: SandboxResult): RoundFailure | undefined {
  if (result.outcome === 'timeout') return new RoundFailure('timeout', 'the local step ran past the time the job has left');
  if (result.outcome === 'memory') return new RoundFailure('memory', FAILURE_REASONS.memory);
  if (result.outcome === 'output-limit') return new RoundFailure('update-malformed', 'the local step wrote more than an update of the plan’s dimension takes');
  if (result.outcome !== 'exited' || result.exitCode !== 0) return new RoundFailure('algorithm-error', 'the local step exited with an error');
  return undefined;
}

/** Reads outputs/update.json: a regular file of at most the size an update of the plan takes, of the update's shape. */
async function readUpdate(outputs: string, plan: FederatedPlan): Promise<LocalUpdate> {
  const file = path.join(outputs, 'update.json');
  const loss = plan.lossBound === undefined ? '' : ', "loss": the incoming model’s loss (the plan has a lossBound)';
  const malformed = new RoundFailure('update-malformed', `the local step wrote no update of the plan’s shape: outputs/update.json as {"delta": [${plan.dimension} finite numbers], "samples": n${loss}}`);
  const stat = await lstat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size > updateLimit(plan.dimension)) throw malformed;
  try {
    // The error's words quote what the algorithm wrote: the buyer gets the node's words only.
    return parseLocalUpdate(JSON.parse(await readFile(file, 'utf8')), plan);
  } catch {
    throw malformed;
  }
}

/** Runs the local step on this node's dataset and `model` in a fresh workspace, wiped whatever the outcome. */
async function localStep(ctx: FederatedContext, session: FederatedSession, dataset: DatasetDetails, model: Float64Array, wallSeconds: number): Promise<{ update?: LocalUpdate; records: number; wallMs: number; failure?: RoundFailure }> {
  const { plan } = session;
  const workspace = await createWorkspace(ctx.workDir, ctx.jobDiskMb * 1024 * 1024);
  try {
    const dir = workspace.dir;
    const [inputs, ddos, outputs, logs, transformations] = ['inputs', 'ddos', 'outputs', 'logs', 'transformations'].map((name) => path.join(dir, name)) as [string, string, string, string, string];
    const dataFile = path.join(inputs, session.datasetId, '0');
    for (const folder of [path.dirname(dataFile), ddos, outputs, logs, transformations]) await mkdir(folder, { recursive: true });
    await writeFile(path.join(inputs, 'model.json'), JSON.stringify(Array.from(model)));
    await writeFile(path.join(inputs, 'algoCustomData.json'), JSON.stringify(plan.params));
    await writeFile(path.join(ddos, session.datasetId), JSON.stringify(datasetDdo(dataset, ctx.market.deployments)));
    const algorithm = path.join(transformations, session.algorithm.name);
    await copyFile(session.algorithm.file, algorithm);
    // The node keeps the local step private (0600); the sandbox user must be able to read its copy.
    await chmod(algorithm, 0o644);
    await decryptInto(ctx.market, dataset, await dataKeyOf(ctx, dataset), dataFile);
    const records = session.records ?? (await countRecords(dataFile, dataset.document.format));
    const environment = ctx.environment(Number(session.job.environment));
    const run = await ctx.engine.run({
      command: [session.algorithm.runtime === 'python' ? '/usr/bin/python3' : process.execPath, `${SANDBOX_PATHS.transformations}/${session.algorithm.name}`],
      env: { DIDS: JSON.stringify([session.datasetId]), TRANSFORMATION_DID: session.job.algorithmHash as string, ALGO: `${SANDBOX_PATHS.transformations}/${session.algorithm.name}` },
      inputs,
      ddos,
      algorithm,
      outputs,
      logs,
      limits: { wallSeconds, memoryBytes: ctx.jobMemoryMb * 1024 * 1024, cpus: environment.cpus, processes: 256, outputBytes: updateLimit(plan.dimension), logBytes: LOG_LIMIT },
      ...(environment.gpu ? { gpu: environment.gpu } : {}),
    });
    const failure = runFailure(run);
    if (failure) return { records, wallMs: run.wallMs, failure };
    try {
      return { update: await readUpdate(outputs, plan), records, wallMs: run.wallMs };
    } catch (error) {
      return { records, wallMs: run.wallMs, failure: error as RoundFailure };
    }
  } finally {
    await workspace.wipe();
  }
}

/** What a released round answers: the masked vector and its receipt. */
export interface RoundAnswer {
  round: number;
  attempt: number;
  masked: BigUint64Array;
  receipt: SignedRoundReceipt;
}

/**
 * Runs round `request` of `session` (the caller holds its lock): checks the budgets and the chain, runs the local
 * step, releases the masked update and records the attempt before answering. Throws ProviderRequestError for a
 * refusal (nothing ran) and RoundFailure for a failed attempt (it ran; nothing was released).
 */
export async function runRound(ctx: FederatedContext, session: FederatedSession, request: RoundRequest): Promise<RoundAnswer> {
  const { plan } = session;
  const job = jobStruct(session.job);
  const jobId = BigInt(session.jobId);
  const { computeMarket } = contractsOf(ctx.market.deployments);
  const read = ctx.market.publicClient;
  checkRoundOrder(session, request);
  const bytes = vectorLength(plan) * 8;
  if (BigInt(session.bytesReleased + bytes) > job.releaseBytes) throw new ProviderRequestError(403, 'byte-budget-spent', `another update (${bytes} bytes) would take the job past the ${job.releaseBytes} bytes it reserved`, 'finish the training');
  const budget = await read.readContract({ ...computeMarket, functionName: 'releaseBudget', args: [job.datasetId] });
  const epsilonAfter = plan.noiseMultiplier > 0 ? epsilonMillionths({ ...plan, rounds: session.released + 1 }) : undefined;
  if (budget.epsilonTotal !== 0n || budget.epsilonPerBuyer !== 0n) {
    if (epsilonAfter === undefined) throw new ProviderRequestError(403, 'noise-required', `dataset ${job.datasetId}'s owner set a privacy budget: its updates must carry noise`);
    if (epsilonAfter > job.epsilon) throw new ProviderRequestError(403, 'epsilon-spent', `another update would spend ε ${epsilonAfter} millionths in all, over the ${job.epsilon} the job reserved`, 'finish the training');
  }
  const wallSeconds = Math.floor(Math.min(job.maxMinutes * 60 - session.wallMs / 1000, Number(job.deadline) - Date.now() / 1000 - FINISH_MARGIN_S));
  if (wallSeconds < MIN_ROUND_SECONDS) throw new ProviderRequestError(409, 'time-spent', `the job has ${Math.max(0, wallSeconds)} s of run time left before its minutes or its deadline run out`, 'finish the training');
  const status = await read.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
  if (status !== JobStatus.Accepted) throw new ProviderRequestError(409, 'job-closed', `job ${jobId} is no longer running on-chain (status ${status})`);
  // Keys come from the chain only: the request names providers, never keys.
  const [own, ...peerKeys] = await Promise.all([ctx.providerId, ...request.participants.filter((p) => p !== ctx.providerId)].map((p) => read.readContract({ ...computeMarket, functionName: 'agreementKeyOf', args: [p] })));
  if (own!.toLowerCase() !== ctx.agreementKey.publicKey.toLowerCase()) throw new ProviderRequestError(409, 'agreement-key-changed', `provider ${ctx.providerId}'s agreement key on-chain is not this node's`, 'restart the node: it publishes its key at start-up');
  const peers: Peer[] = request.participants.filter((p) => p !== ctx.providerId).map((providerId, i) => ({ providerId, agreementKey: peerKeys[i]! }));
  for (const peer of peers) {
    try {
      await sharedSecret(ctx.agreementKey.secretKey, peer.agreementKey, `provider ${peer.providerId}`);
    } catch (error) {
      throw new ProviderRequestError(409, 'agreement-key-invalid', (error as Error).message, 'retry the round without that provider');
    }
  }

  // The attempt is spent from here on, even if the node stops mid-round: no attempt's masks are ever used twice.
  const at = new Date().toISOString();
  const entry = { round: request.round, attempt: request.attempt, participants: request.participants.length, providers: request.participants.map(String), at };
  session = ctx.sessions.update(session.jobId, { rounds: [...session.rounds, { ...entry, outcome: 'failed', reason: 'interrupted', bytes: 0, epsilon: '0', wallMs: 0 }] });
  const fail = (failure: RoundFailure, wallMs: number): never => {
    const rounds = session.rounds.slice(0, -1).concat({ ...entry, outcome: 'failed', reason: failure.code, bytes: 0, epsilon: '0', wallMs });
    ctx.sessions.update(session.jobId, { rounds, wallMs: session.wallMs + wallMs });
    throw failure;
  };
  let step: Awaited<ReturnType<typeof localStep>>;
  try {
    step = await localStep(ctx, session, await ctx.market.getDataset(job.datasetId), request.model, wallSeconds);
  } catch (error) {
    if (!(error instanceof JobFailure)) {
      ctx.log(`federated job ${session.jobId}: ${(error as Error).stack ?? error}`);
      return fail(new RoundFailure('node-error', FAILURE_REASONS['node-error']), 0);
    }
    return fail(new RoundFailure(error.reason, error.detail ?? FAILURE_REASONS[error.reason]), 0);
  }
  if (step.failure || !step.update) return fail(step.failure ?? new RoundFailure('node-error', FAILURE_REASONS['node-error']), step.wallMs);
  if (step.update.samples > step.records) return fail(new RoundFailure('update-malformed', `the local step counted more samples than the dataset’s ${step.records} records`), step.wallMs);

  // The weight is the node's own count: a count the local step chose could carry data out unnoised.
  let masked: BigUint64Array;
  try {
    const vector = encodeFixed(weightedRelease({ ...step.update, samples: step.records }, plan));
    masked = await maskVector(vector, { context: { chainId: ctx.market.deployments.chainId, computeMarket: computeMarket.address, firstJobId: BigInt(session.firstJobId), round: request.round, attempt: request.attempt, participants: request.participants }, providerId: ctx.providerId, secretKey: ctx.agreementKey.secretKey, peers });
  } catch (error) {
    ctx.log(`federated job ${session.jobId}: the update could not be released: ${(error as Error).message}`);
    return fail(new RoundFailure('update-out-of-range', 'the weighted update does not fit the ring’s fixed point (too many records for the plan’s clip and noise)'), step.wallMs);
  }
  const released = ringToBytes(masked);
  const epsilonBefore = session.released > 0 && epsilonAfter !== undefined ? epsilonMillionths({ ...plan, rounds: session.released }) : 0n;
  const epsilon = epsilonAfter === undefined ? 0n : epsilonAfter - epsilonBefore;
  const receipt = await signRoundReceipt(
    ctx.node,
    { jobId: session.jobId, round: request.round, attempt: request.attempt, modelIn: modelHash(request.model), updateOut: sha256(released), epsilon: epsilon.toString(), bytes: released.length.toString() },
    { chainId: ctx.market.deployments.chainId, computeMarket: computeMarket.address },
  );
  const rounds = session.rounds.slice(0, -1).concat({ ...entry, outcome: 'released', bytes: released.length, epsilon: epsilon.toString(), wallMs: step.wallMs, receipt });
  // Recorded before the answer leaves: a release is never forgotten by the accountant.
  ctx.sessions.update(session.jobId, {
    rounds,
    records: step.records,
    released: session.released + 1,
    epsilonSpent: (BigInt(session.epsilonSpent) + epsilon).toString(),
    bytesReleased: session.bytesReleased + released.length,
    wallMs: session.wallMs + step.wallMs,
  });
  return { round: request.round, attempt: request.attempt, masked, receipt };
}
