/**
 * Federated training at the provider nodes, against the real chain, IPFS node, key nodes and two provider nodes
 * running local steps in the bubblewrap sandbox: two owners' datasets, each allowing a different provider; a
 * buyer's run of linked jobs for a plan, joined at both nodes, driven round by round over HTTP and finished, both
 * jobs settled delivered with each owner paid and the final model among each job's outputs. What a node answers is
 * masked (ring-uniform to the aggregator), the two answers sum to the clipped, weighted updates and losses; and the attacks:
 * a local step that writes raw rows, the wrong shape, NaN or megabytes; rounds replayed, skipped, of one
 * participant or a stranger, driven by someone else; plans and keys that are not the chain's; ε past the reservation;
 * rounds of many paid runs at once, past the node's concurrency; a buyer who takes every round's answers and never
 * finishes, to refund both jobs after their deadline.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256, type Hex } from 'viem';
import { algorithmHash } from '@/lib/compute/algorithm';
import { jobAuthorization } from '@/lib/compute/auth';
import { verifyReceiptOnChain, type SignedReceipt } from '@/lib/compute/receipt';
import { decryptResultFile, generateResultKeyPair, readResultsManifest, sha256sByPath, unwrapResultsKey, type ResultKeyPair, type WrappedKey } from '@/lib/compute/results';
import { verifyRoundReceipt, type SignedRoundReceipt } from '@/lib/compute/round-receipt';
import { SELF_SETTLE_MARGIN_S } from '@/lib/compute/provider/federated/finish';
import { ProviderNode } from '@/lib/compute/provider/node';
import { JobStatus } from '@/lib/compute/settlement';
import { contractsOf } from '@/lib/contracts';
import { aggregateRound, decodeFixed, epsilonMillionths, l2Norm, maskVector, modelHash, modelToBase64, PLAN_KIND, ringFromBase64, ringSub, sumMasked, type FederatedPlanInput } from '@/lib/federated';
import { outputsProof } from '@/lib/lineage/outputs';
import type { Market } from '@/lib/market';
import { federatedCall, payRun, startFederatedBed, FEDERATED_OPERATORS, type FederatedBed } from '../helpers/federated';
import { delta, jobOnChain, ledger, publishComputeOnly, ROOT } from '../helpers/provider';

const LOCAL_STEP = readFileSync(path.join(ROOT, 'examples', 'federated', 'local_logreg.py'));
const HOSTILE_STEP = readFileSync(path.join(__dirname, 'fixtures', 'federated', 'hostile_step.py'));
const [BUYER, NORTH_OWNER, SOUTH_OWNER] = [2, 4, 5];
const ROWS = 200;
const D = 3;

let bed: FederatedBed;
let buyer: Market;
let north: Market;
let p1: ProviderNode;
let p2: ProviderNode;
/** North's vitals allow provider 1, south's provider 2; `budgeted` (north's too, provider 1) has an ε budget of 10 per buyer. */
let northId: bigint;
let southId: bigint;
let budgeted: bigint;

/** A hospital's rows: two features shifted by `shift` and a label they predict, from a fixed seed. */
function hospital(shift: number, seed: number): string {
  let state = seed;
  const uniform = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  const rows = Array.from({ length: ROWS }, () => {
    const [x1, x2] = [normal() + shift, normal() - shift];
    return `${x1.toFixed(3)},${x2.toFixed(3)},${1.5 * x1 - x2 + 0.5 * normal() > 0.5 ? 1 : 0}`;
  });
  return ['x1,x2,y', ...rows, ''].join('\n');
}

beforeAll(async () => {
  bed = await startFederatedBed();
  [p1, p2] = bed.providers;
  const { services } = bed;
  buyer = await services.market(BUYER);
  north = await services.market(NORTH_OWNER);
  const south = await services.market(SOUTH_OWNER);
  northId = await publishComputeOnly(north, services.file('north.csv', hospital(0, 7)), { providers: [p1.providerId] });
  southId = await publishComputeOnly(south, services.file('south.csv', hospital(0.8, 11)), { providers: [p2.providerId] });
  budgeted = await publishComputeOnly(north, services.file('north-private.csv', hospital(0.2, 13)), { providers: [p1.providerId], release: { bytesPerJob: 65_536, epsilonPerBuyer: 10 } });
}, 240_000);

afterAll(async () => {
  await bed?.stop();
});

const participants = (a: bigint, b: bigint): FederatedPlanInput['participants'] => [
  { datasetId: Number(a), providerId: Number(p1.providerId) },
  { datasetId: Number(b), providerId: Number(p2.providerId) },
];

const PARAMS = { label: 'y', features: ['x1', 'x2'], mean: [0, 0], scale: [1, 1], lr: 0.5, epochs: 5 };
/** A plan's loss bound, and the parameters that have the local step report the loss it bounds. */
const LOSS = { lossBound: 2, params: { ...PARAMS, reportLoss: true } };

function plan(overrides: Partial<FederatedPlanInput> = {}, step = LOCAL_STEP, name = 'local_logreg.py'): FederatedPlanInput {
  return { kind: PLAN_KIND, algorithm: { name, sha256: algorithmHash(step) }, dimension: D, rounds: 2, clip: 1, noiseMultiplier: 0, params: PARAMS, participants: participants(northId, southId), ...overrides };
}

async function join(provider: ProviderNode, jobId: bigint, thePlan: FederatedPlanInput, options: { content?: Uint8Array; as?: Market } = {}): Promise<ResultKeyPair> {
  const keys = generateResultKeyPair();
  const content = Buffer.from(options.content ?? (thePlan.algorithm.name === 'local_logreg.py' ? LOCAL_STEP : HOSTILE_STEP)).toString('base64');
  await federatedCall(options.as ?? buyer, provider.url, jobId, '/api/v1/federated', { jobId: jobId.toString(), plan: thePlan, algorithm: { name: thePlan.algorithm.name, content }, resultKey: keys.publicKey }, keys.publicKey);
  return keys;
}

interface RoundAnswer {
  round: number;
  attempt: number;
  masked: string;
  receipt: SignedRoundReceipt;
}

function round(provider: ProviderNode, jobId: bigint, r: number, attempt: number, model: ArrayLike<number>, options: { with?: bigint[]; as?: Market; extra?: object } = {}): Promise<RoundAnswer> {
  const body = { round: r, attempt, participants: (options.with ?? [p1.providerId, p2.providerId]).map(String), model: modelToBase64(Float64Array.from(model)), ...options.extra };
  return federatedCall<RoundAnswer>(options.as ?? buyer, provider.url, jobId, `/api/v1/federated/${jobId}/rounds`, body);
}

/** The agreement secret key a node keeps in its directory: the test reads it to take one node's mask off. */
const secretKey = (provider: ProviderNode) => Buffer.from(readFileSync(path.join(provider.config.compute.dir, 'agreement-key'), 'utf8').trim().slice(2), 'hex');

async function agreementKey(provider: ProviderNode): Promise<Hex> {
  return buyer.publicClient.readContract({ ...contractsOf(buyer.deployments).computeMarket, functionName: 'agreementKeyOf', args: [provider.providerId] });
}

/** `provider`'s update in an attempt, unmasked with what only the two nodes know: its key and the peer's public key. */
async function unmask(provider: ProviderNode, peer: ProviderNode, firstJobId: bigint, answer: RoundAnswer): Promise<Float64Array> {
  const masked = ringFromBase64(answer.masked, D + 1);
  const context = { chainId: buyer.deployments.chainId, computeMarket: buyer.deployments.contracts.computeMarket, firstJobId, round: answer.round, attempt: answer.attempt, participants: [p1.providerId, p2.providerId] };
  const mask = await maskVector(new BigUint64Array(D + 1), { context, providerId: provider.providerId, secretKey: secretKey(provider), peers: [{ providerId: peer.providerId, agreementKey: await agreementKey(peer) }] });
  return decodeFixed(ringSub(masked, mask));
}

/** Opens a finished job's results with the buyer's key: the files by path, and the manifest's SHA-256s. */
async function openResults(results: { cid: string; wrappedKey: WrappedKey }, keys: ResultKeyPair): Promise<{ files: Record<string, string>; sha256s: string[] }> {
  const key = unwrapResultsKey(results.wrappedKey, keys);
  const manifest = await readResultsManifest(buyer.store.cat(results.cid), key, results.cid);
  const files: Record<string, string> = {};
  for (const file of manifest.outputs) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of decryptResultFile(buyer.store.cat(file.cid), key, file, file.path)) chunks.push(chunk);
    files[file.path] = Buffer.concat(chunks).toString('utf8');
  }
  return { files, sha256s: sha256sByPath(manifest.outputs) };
}

function accuracy(model: Float64Array, ...csvs: string[]): number {
  const rows = csvs.flatMap((csv) => csv.trim().split('\n').slice(1).map((line) => line.split(',').map(Number)));
  const right = rows.filter(([x1, x2, y]) => (model[0]! * x1! + model[1]! * x2! + model[2]! > 0 ? 1 : 0) === y).length;
  return right / rows.length;
}

test('two providers train one model: rounds answer masked updates that sum to the clipped ones and the falling loss, both jobs settle delivered and each owner is paid', async () => {
  const accounts = { north: bed.services.account(NORTH_OWNER).address, south: bed.services.account(SOUTH_OWNER).address, buyer: bed.services.account(BUYER).address };
  const before = await ledger(buyer, accounts);
  const thePlan = plan(LOSS);
  const run = await payRun(buyer, thePlan);
  const [first, second] = run.jobs.map((j) => j.jobId) as [bigint, bigint];

  // Joins the chain does not back are refused before anything is accepted.
  await expect(join(p1, first, plan({ rounds: 3 }))).rejects.toMatchObject({ status: 409, code: 'plan-mismatch' });
  await expect(join(p1, first, thePlan, { content: Buffer.from('print("other")\n') })).rejects.toMatchObject({ status: 409, code: 'algorithm-mismatch' });
  await expect(join(p1, first, thePlan, { as: north })).rejects.toMatchObject({ status: 403, code: 'not-buyer' });
  await expect(join(p1, second, thePlan)).rejects.toMatchObject({ status: 403, code: 'wrong-provider' });
  const keys = [await join(p1, first, thePlan), await join(p2, second, thePlan)] as const;
  await expect(join(p1, first, thePlan)).rejects.toMatchObject({ status: 409, code: 'already-joined' });

  // Rounds the buyer may not ask for.
  const zero = [0, 0, 0];
  await expect(round(p1, first, 2, 1, zero)).rejects.toMatchObject({ status: 409, code: 'round-out-of-order' });
  await expect(round(p1, first, 1, 1, zero, { with: [p1.providerId] })).rejects.toMatchObject({ status: 400, code: 'malformed-request' });
  await expect(round(p1, first, 1, 1, zero, { with: [p1.providerId, 99n] })).rejects.toMatchObject({ status: 403, code: 'participant-unknown' });
  await expect(round(p1, first, 1, 1, zero, { extra: { agreementKeys: { 2: `0x${'11'.repeat(32)}` } } })).rejects.toMatchObject({ status: 400, code: 'malformed-request' });
  await expect(round(p1, first, 1, 1, zero, { as: north })).rejects.toMatchObject({ status: 403, code: 'not-buyer' });

  let model = new Float64Array(D);
  const losses: number[] = [];
  for (const r of [1, 2]) {
    const answers = await Promise.all([round(p1, first, r, 1, model), round(p2, second, r, 1, model)]);
    // d weighted coordinates, the weighted loss, the sample count.
    const vectors = answers.map((answer) => ringFromBase64(answer.masked, D + 2));
    // Alone, an answer is ring-uniform: nothing near the clipped update's scale (C·n = 200).
    for (const vector of vectors) for (const x of decodeFixed(vector)) expect(Math.abs(x)).toBeGreaterThan(1e6);
    const sum = decodeFixed(sumMasked(vectors));
    expect(sum[D + 1]).toBe(2 * ROWS);
    expect(l2Norm(sum.subarray(0, D))).toBeLessThanOrEqual(1 * 2 * ROWS);
    for (const [i, answer] of answers.entries()) {
      const provider = bed.providers[i]!;
      const receipt = await verifyRoundReceipt(answer.receipt, { chainId: buyer.deployments.chainId, computeMarket: buyer.deployments.contracts.computeMarket }, provider.node.address);
      expect(receipt.receipt).toMatchObject({ jobId: run.jobs[i]!.jobId.toString(), round: r, attempt: 1, modelIn: modelHash(model), updateOut: sha256(Buffer.from(answer.masked, 'base64')), epsilon: '0', bytes: String((D + 2) * 8) });
    }
    const next = aggregateRound(model, vectors, thePlan);
    model = next.model;
    losses.push(next.loss!);
    await expect(round(p1, first, r, 1, model)).rejects.toMatchObject({ status: 409, code: 'round-replayed' });
  }
  await expect(round(p1, first, 3, 1, model)).rejects.toMatchObject({ status: 400, code: 'round-out-of-range' });
  expect(accuracy(model, hospital(0, 7), hospital(0.8, 11))).toBeGreaterThan(0.75);
  // The global model's loss on both hospitals' rows, within the bound: log 2 for the zeros it starts from, then less.
  expect(losses[0]).toBeCloseTo(Math.LN2, 6);
  expect(losses[1]).toBeGreaterThan(0);
  expect(losses[1]).toBeLessThan(losses[0]!);

  // The public view counts and times rounds, and holds no value or receipt.
  const view = (await (await fetch(`${p1.url}/api/v1/federated/${first}`)).json()) as { rounds: object[]; released: number };
  expect(view.released).toBe(2);
  for (const entry of view.rounds) expect(Object.keys(entry).sort()).toEqual(['at', 'attempt', 'bytes', 'epsilon', 'outcome', 'participants', 'round', 'wallMs']);

  const finished = await Promise.all(
    [p1, p2].map((provider, i) => federatedCall<{ status: string; receipt: SignedReceipt; results: { cid: string; wrappedKey: WrappedKey }; settlement: { delivered: boolean } }>(buyer, provider.url, run.jobs[i]!.jobId, `/api/v1/federated/${run.jobs[i]!.jobId}/finish`, { model: modelToBase64(Float64Array.from(model)) })),
  );
  const modelJson = JSON.stringify(Array.from(model));
  for (const [i, answer] of finished.entries()) {
    const { jobId, job } = run.jobs[i]!;
    expect(answer).toMatchObject({ status: 'finished', settlement: { delivered: true } });
    const chain = await jobOnChain(buyer, jobId);
    await verifyReceiptOnChain(answer.receipt, { chainId: buyer.deployments.chainId, computeMarket: buyer.deployments.contracts.computeMarket }, chain);
    expect(answer.receipt.receipt).toMatchObject({ datasetId: job.datasetId.toString(), algorithmHash: run.hash, minutesUsed: 1, delivered: true });
    // The final model is one of the job's outputs, provable against the root it settled with.
    const { files, sha256s } = await openResults(answer.results, keys[i]!);
    expect(files['model.json']).toBe(modelJson);
    expect(outputsProof(sha256s, sha256(Buffer.from(modelJson)))).toBeDefined();
    expect((JSON.parse(files['rounds.json']!) as SignedRoundReceipt[]).map((r) => r.receipt.round)).toEqual([1, 2]);
  }
  const change = delta(before, await ledger(buyer, accounts));
  const fee = (job: (typeof run.jobs)[number]['job']) => job.dataFee - (job.dataFee * BigInt(job.feeBps)) / 10_000n;
  expect(change['north.computeCredit']).toBe(fee(run.jobs[0]!.job));
  expect(change['south.computeCredit']).toBe(fee(run.jobs[1]!.job));
  await expect(round(p1, first, 2, 2, model)).rejects.toMatchObject({ status: 409, code: 'session-closed' });
  // Its public stream ends at once with the finished session.
  expect(await (await fetch(`${p1.url}/api/v1/federated/${first}/events`)).text()).toMatch(/^event: status\ndata: \{.*"status":"finished".*\}\n\n$/);
  // Asked again (its answer lost), a finished node answers the same settlement.
  await expect(federatedCall(buyer, p1.url, first, `/api/v1/federated/${first}/finish`, { model: modelToBase64(Float64Array.from(model)) })).resolves.toMatchObject({ settlement: finished[0]!.settlement });
}, 240_000);

test('a local step that writes raw rows is clipped to C·n; the wrong shape, NaN, megabytes or extra rows release nothing; a key not its own stops the round', async () => {
  const thePlan = plan({}, HOSTILE_STEP, 'hostile_step.py');
  const run = await payRun(buyer, thePlan);
  const [first, second] = run.jobs.map((j) => j.jobId) as [bigint, bigint];
  await join(p1, first, thePlan);
  await join(p2, second, thePlan);

  // Provider 2's operator publishes a key of low order (its secret with anyone is public): both nodes refuse, and
  // the attempt is not spent.
  const key = await agreementKey(p2);
  const operator = await bed.services.market(FEDERATED_OPERATORS[1]);
  const { computeMarket } = contractsOf(buyer.deployments);
  await operator.send('a low-order key', { ...computeMarket, functionName: 'setAgreementKey', args: [p2.providerId, `0x01${'00'.repeat(31)}`] });
  await expect(round(p1, first, 1, 1, [1, 0, 0])).rejects.toMatchObject({ status: 409, code: 'agreement-key-invalid' });
  await expect(round(p2, second, 1, 1, [1, 0, 0])).rejects.toMatchObject({ status: 409, code: 'agreement-key-changed' });
  // Restarted, the node publishes its own key again (kept 0600 in its directory), and its session goes on.
  await p2.stop();
  p2 = bed.providers[1] = await ProviderNode.start({ config: p2.config, operator: bed.services.account(FEDERATED_OPERATORS[1]), resources: p2.resources });
  expect(await agreementKey(p2)).toBe(key);
  expect(statSync(path.join(p2.config.compute.dir, 'agreement-key')).mode & 0o777).toBe(0o600);

  // Raw rows ×1000 as the delta: what leaves is the clipped update, weighted by the records the node counted, d+1
  // numbers and nothing else.
  const answers = await Promise.all([round(p1, first, 1, 1, [1, 0, 0]), round(p2, second, 1, 1, [1, 0, 0])]);
  for (const [provider, peer, answer] of [[p1, p2, answers[0]], [p2, p1, answers[1]]] as const) {
    const update = await unmask(provider, peer, run.firstJobId, answer);
    expect(update).toHaveLength(D + 1);
    expect(update[D]).toBe(ROWS);
    const norm = l2Norm(update.subarray(0, D));
    expect(norm).toBeLessThanOrEqual(1 * ROWS + 1e-6);
    expect(norm).toBeGreaterThan(0.99 * ROWS);
  }

  // Every other attack is refused at both nodes, round 2 attempt after attempt, and releases nothing.
  for (const [attempt, attack] of [2, 3, 4, 5, 6].entries()) {
    for (const [provider, jobId] of [[p1, first], [p2, second]] as const) {
      await expect(round(provider, jobId, 2, attempt + 1, [attack, 0, 0])).rejects.toMatchObject({ status: 422, code: 'update-malformed' });
    }
  }
  const view = (await (await fetch(`${p1.url}/api/v1/federated/${first}`)).json()) as { rounds: { outcome: string; bytes: number }[]; released: number; bytesReleased: number };
  expect(view.released).toBe(1);
  expect(view.bytesReleased).toBe((D + 1) * 8);
  expect(view.rounds.map((entry) => entry.outcome)).toEqual(['released', 'failed', 'failed', 'failed', 'failed', 'failed']);
}, 240_000);

test('plans and runs the chain does not back are refused, and ε is held to the job’s reservation, retries counted', async () => {
  // A plan naming other participants than the run the buyer paid for, committed to by hash.
  const other = plan({ participants: participants(northId, southId + 1000n) });
  const mismatched = await payRun(buyer, other, { participants: participants(northId, southId) });
  await expect(join(p1, mismatched.firstJobId, other)).rejects.toMatchObject({ status: 409, code: 'participants-mismatch' });
  // One job alone is no federated run, whatever plan it commits to.
  const alone = await payRun(buyer, plan(), { participants: participants(northId, southId).slice(0, 1) });
  await expect(join(p1, alone.firstJobId, plan())).rejects.toMatchObject({ status: 409, code: 'not-federated' });

  // Budgeted data: no noise is refused, and so is a plan whose ε passes what the job reserved — counting the loss
  // it reports, which costs more than the updates alone.
  const budgetedParticipants = [{ datasetId: Number(southId), providerId: Number(p2.providerId) }, { datasetId: Number(budgeted), providerId: Number(p1.providerId) }];
  const noiseless = plan({ participants: budgetedParticipants });
  const paidNoiseless = await payRun(buyer, noiseless);
  await expect(join(p1, paidNoiseless.jobs[1]!.jobId, noiseless)).rejects.toMatchObject({ status: 403, code: 'noise-required' });
  const noisy = plan({ participants: budgetedParticipants, noiseMultiplier: 4, ...LOSS });
  const planned = epsilonMillionths({ rounds: 2, noiseMultiplier: 4, delta: 1e-5, lossBound: LOSS.lossBound });
  expect(planned).toBeGreaterThan(epsilonMillionths({ rounds: 2, noiseMultiplier: 4, delta: 1e-5 }));
  const short = await payRun(buyer, noisy, { epsilon: { [String(budgeted)]: planned - 1n } });
  await expect(join(p1, short.jobs[1]!.jobId, noisy)).rejects.toMatchObject({ status: 403, code: 'epsilon-over-reservation' });

  // Reserved exactly: two releases fit — a round and its retry — and a third does not.
  const run = await payRun(buyer, noisy, { epsilon: { [String(budgeted)]: planned } });
  const [south, budgetedJob] = run.jobs.map((j) => j.jobId) as [bigint, bigint];
  await join(p2, south, noisy);
  await join(p1, budgetedJob, noisy);
  const model = [0, 0, 0];
  const spent: string[] = [];
  for (const attempt of [1, 2]) {
    const [answer] = await Promise.all([round(p1, budgetedJob, 1, attempt, model), round(p2, south, 1, attempt, model)]);
    spent.push(answer.receipt.receipt.epsilon);
  }
  expect(spent.reduce((sum, e) => sum + BigInt(e), 0n)).toBe(planned);
  expect(BigInt(spent[0]!)).toBe(epsilonMillionths({ rounds: 1, noiseMultiplier: 4, delta: 1e-5, lossBound: LOSS.lossBound }));
  await expect(round(p1, budgetedJob, 2, 1, model)).rejects.toMatchObject({ status: 403, code: 'epsilon-spent' });
}, 240_000);

test('however many runs a buyer pays, a node runs no more local steps at once than its concurrency (2): the other rounds wait their turn', async () => {
  const thePlan = plan({ rounds: 1 });
  const runs = [await payRun(buyer, thePlan), await payRun(buyer, thePlan), await payRun(buyer, thePlan)];
  for (const run of runs) await Promise.all([join(p1, run.jobs[0]!.jobId, thePlan), join(p2, run.jobs[1]!.jobId, thePlan)]);
  await Promise.all(runs.flatMap((run) => [round(p1, run.jobs[0]!.jobId, 1, 1, [0, 0, 0]), round(p2, run.jobs[1]!.jobId, 1, 1, [0, 0, 0])]));
  for (const [i, provider] of [p1, p2].entries()) {
    const steps = [];
    for (const run of runs) {
      const view = (await (await fetch(`${provider.url}/api/v1/federated/${run.jobs[i]!.jobId}`)).json()) as { rounds: { at: string; wallMs: number; outcome: string }[] };
      expect(view.rounds).toMatchObject([{ outcome: 'released' }]);
      steps.push({ start: Date.parse(view.rounds[0]!.at), end: Date.parse(view.rounds[0]!.at) + view.rounds[0]!.wallMs });
    }
    // The third step starts once one of the first two has ended (its start is recorded to the millisecond).
    const [a, b, c] = steps.sort((x, y) => x.start - y.start) as [(typeof steps)[number], (typeof steps)[number], (typeof steps)[number]];
    expect(c.start).toBeGreaterThanOrEqual(Math.min(a.end, b.end) - 1);
  }
}, 240_000);

test('a buyer who drives every round and never finishes cannot take the escrow back: each node settles what it released before the deadline, and each owner is paid', async () => {
  const thePlan = plan({ rounds: 1 });
  const run = await payRun(buyer, thePlan);
  const nodes = [p1, p2] as const;
  const keys = await Promise.all(nodes.map((provider, i) => join(provider, run.jobs[i]!.jobId, thePlan)));
  await Promise.all(nodes.map((provider, i) => round(provider, run.jobs[i]!.jobId, 1, 1, [0, 0, 0])));

  // The buyer has its model (it sums the answers itself) and waits for the deadline, to refund both jobs.
  const { testClient } = bed.services.chain;
  const { computeMarket } = contractsOf(buyer.deployments);
  const { timestamp } = await buyer.publicClient.getBlock();
  await testClient.increaseTime({ seconds: Number(run.jobs[0]!.job.deadline - timestamp) - SELF_SETTLE_MARGIN_S + 1 });
  await testClient.mine({ blocks: 1 });
  const status = (jobId: bigint) => buyer.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
  for (const { jobId } of run.jobs) {
    for (let waited = 0; (await status(jobId)) !== JobStatus.Settled; waited += 500) {
      if (waited > 120_000) throw new Error(`job ${jobId} was not settled by its node`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  // (The sessions earlier tests left open with updates released are settled too: each job's own settlement counts.)
  for (const [i, provider] of nodes.entries()) {
    const { jobId, job } = run.jobs[i]!;
    const [settled] = await buyer.publicClient.getContractEvents({ ...computeMarket, eventName: 'JobSettled', args: { jobId }, fromBlock: BigInt(buyer.deployments.startBlock) });
    expect(settled!.args).toMatchObject({ delivered: true, split: { owner: bed.services.account([NORTH_OWNER, SOUTH_OWNER][i]!).address, ownerAmount: job.dataFee - (job.dataFee * BigInt(job.feeBps)) / 10_000n, buyerRefund: BigInt(job.maxMinutes - 1) * job.pricePerMinute } });
    const authorization = await jobAuthorization(buyer.account!, { endpoint: provider.url, chainId: buyer.deployments.chainId, jobId });
    const answer = (await (await fetch(`${provider.url}/api/v1/federated/${jobId}/results`, { headers: { authorization } })).json()) as { status: string; receipt: SignedReceipt; results: { cid: string; wrappedKey: WrappedKey } };
    expect(answer).toMatchObject({ status: 'finished', receipt: { receipt: { delivered: true, jobId: jobId.toString() } } });
    // Delivered with what the node released: its round receipts, and no final model it was never sent.
    const { files } = await openResults(answer.results, keys[i]!);
    expect(Object.keys(files)).toEqual(['rounds.json']);
    expect((JSON.parse(files['rounds.json']!) as SignedRoundReceipt[]).map((r) => r.receipt.round)).toEqual([1]);
  }

  // Past the deadline, the refund the buyer waited for is refused.
  await testClient.increaseTime({ seconds: 2 * SELF_SETTLE_MARGIN_S });
  await testClient.mine({ blocks: 1 });
  await expect(buyer.send('refund', { ...computeMarket, functionName: 'refund', args: [run.jobs[0]!.jobId, run.jobs[0]!.job] })).rejects.toThrow(/InvalidJobStatus/);

  // A node that finds the deadline already passed (it was down through the last minutes) closes the session, and
  // the buyer's refund goes through.
  const late = await payRun(buyer, thePlan);
  await Promise.all(nodes.map((provider, i) => join(provider, late.jobs[i]!.jobId, thePlan)));
  await Promise.all(nodes.map((provider, i) => round(provider, late.jobs[i]!.jobId, 1, 1, [0, 0, 0])));
  const now = (await buyer.publicClient.getBlock()).timestamp;
  await testClient.increaseTime({ seconds: Number(late.jobs[0]!.job.deadline - now) + 1 });
  await testClient.mine({ blocks: 1 });
  const view = async () => (await (await fetch(`${p1.url}/api/v1/federated/${late.jobs[0]!.jobId}`)).json()) as { status: string; detail: string };
  for (let waited = 0; (await view()).status !== 'closed'; waited += 500) {
    if (waited > 60_000) throw new Error(`the session of job ${late.jobs[0]!.jobId} was not closed`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect((await view()).detail).toMatch(/deadline passed/);
  await buyer.send('refund', { ...computeMarket, functionName: 'refund', args: [late.jobs[0]!.jobId, late.jobs[0]!.job] });
  expect(await status(late.jobs[0]!.jobId)).toBe(JobStatus.Refunded);
}, 240_000);
