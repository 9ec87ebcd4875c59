/**
 * Federated training as a user drives it: `datagora federate` over hospitals' ICU vitals, each compute-only and
 * allowing only its own provider node (real nodes running the example local step in the bubblewrap sandbox, on the
 * real chain, IPFS node and key nodes). Three rounds over two providers settle both jobs delivered, each owner paid
 * its own data fee to the unit, and the final model, one of each job's outputs, is published as a model derived
 * from both; a provider whose local step breaks after a round is left out of the rest and finished with the final
 * model; a provider killed in the middle of a round is left out, the round retried with the other two, and its
 * escrow taken back by refund after its deadline.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Address } from 'viem';
import { jobAuthorization } from '@/lib/compute/auth';
import { JobStatus } from '@/lib/compute/settlement';
import { contractsOf } from '@/lib/contracts';
import { DEMO_HOSPITALS } from '@/lib/demo/hospitals';
import { mulberry32 } from '@/lib/demo/random';
import type { Market } from '@/lib/market';
import { cliResult } from '../helpers/cli';
import { startFederatedBed, type FederatedBed } from '../helpers/federated';
import { runCli } from '../helpers/processes';
import { delta, ledger, publishComputeOnly, ROOT } from '../helpers/provider';
import { cliEnv } from '../helpers/services';

const BUYER = 2;
const OWNERS = [4, 5, 6] as const;
const THIRD_OPERATOR = 7;
const LOCAL_STEP = path.join(ROOT, 'examples', 'federated', 'local_logreg.py');
const PARAMS = { label: 'alert', features: ['age', 'heart_rate', 'spo2', 'resp_rate'], mean: [60, 85, 96, 16.5], scale: [15, 10, 2, 3.5], lr: 1, epochs: 5 };
/** 15 dUSD a job less the 2.5 % market fee. */
const OWNER_PART = 15_000_000n - 375_000n;

let bed: FederatedBed;
let env: Record<string, string>;
let owners: Market[];
let hospitals: bigint[];

/** Hospital `index`'s vitals (A's or B's cohort), from a fixed seed. */
function vitals(index: number, seed: number): string {
  return `${[...DEMO_HOSPITALS[index % 2]!.rows(mulberry32(seed))].join('\n')}\n`;
}

beforeAll(async () => {
  bed = await startFederatedBed([THIRD_OPERATOR]);
  const { services } = bed;
  env = cliEnv(services.config);
  owners = await Promise.all(OWNERS.map((account) => services.market(account)));
  const nodes = [...bed.providers, ...bed.more];
  hospitals = [];
  for (const [i, owner] of owners.entries()) {
    hospitals.push(await publishComputeOnly(owner, services.file(`hospital-${i}.csv`, vitals(i, 20 + i)), { title: `ICU vitals ${i}`, providers: [nodes[i]!.providerId] }));
  }
}, 300_000);

afterAll(async () => {
  await bed?.stop();
});

const federate = (datasets: readonly bigint[], out: string, extra: string[] = []) => [
  'federate',
  datasets.join(','),
  '--algorithm',
  LOCAL_STEP,
  '--dimension',
  String(PARAMS.features.length + 1),
  '--params',
  JSON.stringify(PARAMS),
  '--rounds',
  '3',
  '--clip',
  '1',
  '--noise',
  '0',
  '--max-minutes',
  '5',
  '--out',
  out,
  '--account',
  String(BUYER),
  ...extra,
];

async function settled(market: Market, jobId: bigint): Promise<{ status: number; delivered?: boolean }> {
  const { computeMarket } = contractsOf(market.deployments);
  const status = await market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
  const events = await market.publicClient.getContractEvents({ ...computeMarket, eventName: 'JobSettled', args: { jobId }, fromBlock: BigInt(market.deployments.startBlock) });
  return { status, ...(events[0] ? { delivered: events[0].args.delivered } : {}) };
}

const jobIdsIn = (output: string): bigint[] => [...output.matchAll(/ {2}job (\d+): dataset/g)].map((m) => BigInt(m[1]!));

test('datagora federate trains one model across two providers in three rounds, and pays each owner its own fee', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-federate-')), 'model.json');
  const accounts: Record<string, Address> = { north: owners[0]!.account!.address, south: owners[1]!.account!.address };
  const before = await ledger(owners[0]!, accounts);
  const run = await cliResult(federate(hospitals.slice(0, 2), out, ['--loss-bound', '2']), env);
  expect(run).toMatchObject({ code: 0 });
  // Each provider masks d + 2 numbers (the update, the loss, its rows); the loss of the first, all-zero model is ln 2.
  const losses = [1, 2, 3].map((round) => Number(new RegExp(`round ${round}/3: providers 1, 2, 56 B masked from each, loss (\\d\\.\\d{4})`).exec(run.output)?.[1]));
  expect(losses[0]).toBeCloseTo(Math.LN2, 3);
  expect(losses[2]).toBeLessThan(losses[0]!);
  expect(run.output).toContain('no differential privacy (noise 0)');
  const model = JSON.parse(readFileSync(out, 'utf8')) as number[];
  expect(model).toHaveLength(5);
  expect(model.every(Number.isFinite)).toBe(true);
  // Three rounds from zero move every weight: a model that learned nothing stays at zero.
  expect(model.some((w) => Math.abs(w) > 0.05)).toBe(true);
  const jobs = jobIdsIn(run.output);
  expect(jobs).toHaveLength(2);
  for (const jobId of jobs) expect(await settled(owners[0]!, jobId)).toEqual({ status: JobStatus.Settled, delivered: true });
  const moved = delta(before, await ledger(owners[0]!, accounts));
  expect([moved['north.computeCredit'], moved['south.computeCredit']]).toEqual([OWNER_PART, OWNER_PART]);
  const shown = await cliResult(['job', jobs[1]!.toString()], env);
  expect(shown.output).toContain(`job ${jobs[1]} is one of the 2 jobs of a federated training over datasets ${hospitals[0]}, ${hospitals[1]}`);
  expect(shown.output).toContain('at its node: finished, 3 update(s) released (168 B), of 3 rounds');
  // Its receipt and wrapped results key go to its buyer alone: the dataset's own owner, signed in, is refused.
  const node = bed.providers[1];
  const stranger = await jobAuthorization(owners[1]!.account!, { endpoint: node.url, chainId: owners[1]!.deployments.chainId, jobId: jobs[1]! });
  const refusedResults = await fetch(`${node.url}/api/v1/federated/${jobs[1]}/results`, { headers: { authorization: stranger } });
  expect([refusedResults.status, ((await refusedResults.json()) as { error: string }).error]).toEqual([403, 'not-buyer']);

  // The final model is one of every job's outputs: published, it derives from both hospitals, each through its job.
  const published = await cliResult(['publish', out, '--title', 'Federated alert model', '--derived-from-job', jobs[0]!.toString(), '--licence', 'ai-training', '--price', '20', '--account', String(BUYER)], env);
  expect(published).toMatchObject({ code: 0 });
  expect(published.output).toMatch(new RegExp(`published model \\d+ derived from dataset ${hospitals[0]} \\(job ${jobs[0]}\\), dataset ${hospitals[1]} \\(job ${jobs[1]}\\)`));
  const other = path.join(path.dirname(out), 'other.json');
  writeFileSync(other, JSON.stringify(model.map((w) => w + 1)));
  const refused = await cliResult(['publish', other, '--title', 'Not the trained model', '--derived-from-job', jobs[0]!.toString(), '--licence', 'ai-training', '--price', '20', '--account', String(BUYER)], env);
  expect(refused.output).toMatch(/LineageError: the content \(SHA-256 [0-9a-f]{64}\) is not one of job \d+'s outputs: outputs\/model\.json, outputs\/rounds\.json/);
}, 300_000);

test('refused in words before anything is paid: no noise on a dataset with an ε budget, or more ε than a job may reserve', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-federate-')), 'model.json');
  const budgeted = await publishComputeOnly(owners[0]!, bed.services.file('budgeted.csv', vitals(0, 40)), { title: 'ICU vitals, budgeted', providers: [bed.providers[0].providerId], release: { bytesPerJob: 65_536, epsilonPerBuyer: 1_000 } });
  const buyer = await bed.services.market(BUYER);
  const before = await ledger(buyer, { buyer: buyer.account!.address });
  const noiseless = await cliResult(federate([budgeted, hospitals[1]!], out), env);
  expect(noiseless.code).not.toBe(0);
  expect(noiseless.output).toContain(`dataset ${budgeted}'s owner set a privacy budget: its updates must carry noise`);
  // 10 rounds at z = 0.3 spend ε ≈ 640 by the accountant: over what one job may reserve (ε 100), though the budget has 1,000.
  const greedy = await cliResult(federate([budgeted, hospitals[1]!], out, ['--noise', '0.3', '--rounds', '10']), env);
  expect(greedy.code).not.toBe(0);
  expect(greedy.output).toMatch(new RegExp(`the plan spends ε [\\d.]+ of dataset ${budgeted}'s privacy budget over its rounds; one job may reserve at most ε 100`));
  expect(delta(before, await ledger(buyer, { buyer: buyer.account!.address }))).toEqual({ 'buyer.wallet': 0n, 'buyer.computeCredit': 0n, 'buyer.salesCredit': 0n, escrow: 0n });
}, 120_000);

test('a provider whose local step breaks after the first round is left out of the rest, then finished with the final model: every job settles delivered', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-federate-')), 'model.json');
  const step = path.join(ROOT, 'test', 'compute', 'fixtures', 'federated', 'younger_fail_step.py');
  const run = await cliResult(federate(hospitals, out).map((arg) => (arg === LOCAL_STEP ? step : arg)), env);
  expect(run).toMatchObject({ code: 0 });
  // Hospital B's patients are the younger: its node fails round 2, which goes on without it.
  expect(run.output).toMatch(/round 1\/3: providers 1, 2, 3,/);
  expect(run.output).toMatch(/round 2\/3: providers 1, 3, .*2 attempts; provider 2 dropped out/);
  const jobs = jobIdsIn(run.output);
  expect(run.output).toContain(`job ${jobs[1]} (provider 2) dropped out after taking part in a round: finished with the final model and settled`);
  for (const jobId of jobs) expect(await settled(owners[0]!, jobId)).toEqual({ status: JobStatus.Settled, delivered: true });
  const shown = await cliResult(['job', jobs[1]!.toString()], env);
  expect(shown.output).toContain('at its node: finished, 1 update(s) released');
}, 300_000);

test('a provider killed mid-round is left out, the round retried with the other two, and its escrow refunded after the deadline', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-federate-')), 'model.json');
  const victim = bed.more[0]!;
  const cli = runCli(federate(hospitals, out), env);
  await cli.waitFor(/round 1\/3: providers 1, 2, 3/, 240_000);
  // Round 2 has begun at the victim's node (its attempt is recorded before the local step runs): it stops there.
  const jobId = jobIdsIn(cli.output())[2]!;
  for (let started = false; !started; ) {
    const view = (await (await fetch(`${victim.url}/api/v1/federated/${jobId}`)).json()) as { rounds?: { round: number }[] };
    started = (view.rounds ?? []).some((r) => r.round === 2);
    if (!started) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await victim.stop();
  expect(await cli.exit).toBe(0);
  const output = cli.output();
  expect(output).toMatch(/round 2\/3: providers 1, 2, .*2 attempts; provider 3 dropped out/);
  expect(output).toMatch(/round 3\/3: providers 1, 2,/);
  expect(output).toContain(`job ${jobId} (provider 3) dropped out`);
  const [first, second] = jobIdsIn(output);
  for (const id of [first!, second!]) expect(await settled(owners[0]!, id)).toEqual({ status: JobStatus.Settled, delivered: true });
  expect((await settled(owners[0]!, jobId)).status).toBe(JobStatus.Accepted);

  // Past its deadline, the buyer takes the killed provider's whole escrow back; the other two stay settled.
  const buyer = await bed.services.market(BUYER);
  const before = await ledger(buyer, { buyer: buyer.account!.address });
  await bed.services.chain.testClient.increaseTime({ seconds: 2 * 3_600 });
  await bed.services.chain.testClient.mine({ blocks: 1 });
  const refund = await cliResult(['job', jobId.toString(), '--refund', '--account', String(BUYER)], env);
  expect(refund).toMatchObject({ code: 0 });
  const back = delta(before, await ledger(buyer, { buyer: buyer.account!.address }));
  const [requested] = await buyer.publicClient.getContractEvents({ ...contractsOf(buyer.deployments).computeMarket, eventName: 'JobRequested', args: { jobId }, fromBlock: BigInt(buyer.deployments.startBlock) });
  expect(requested!.args.escrow).toBe(15_000_000n + 5n * requested!.args.job!.pricePerMinute);
  expect(back['buyer.computeCredit']! + back['buyer.wallet']!).toBe(requested!.args.escrow);
  expect((await settled(buyer, jobId)).status).toBe(JobStatus.Refunded);
}, 420_000);
