/**
 * Compute-to-data end to end against the real chain, IPFS node, key nodes and a provider node running jobs in
 * the bubblewrap sandbox: a paid training job whose balances settle to the unit, a Node.js job, an algorithm
 * error, refusals (unpaid, wrong provider, altered algorithm), cancellation, refund after the deadline, the
 * owner's approval queue, and a delivered job's outputs proven on-chain from its receipt.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Hex } from 'viem';
import { algorithmHash } from '@/lib/compute/algorithm';
import { contractsOf } from '@/lib/contracts';
import { describeFiles, generateResultKeyPair } from '@/lib/compute/results';
import { sha256Hex } from '@/lib/crypto';
import { resultHashOf, rootFromProof } from '@/lib/lineage/outputs';
import { contentProof } from '@/lib/lineage/provenance';
import { quoteJob, requestJobArgs } from '@/lib/compute/buyer/quote';
import { signProviderNode } from '@/lib/compute/settlement';
import { allowEveryProvider, BUYER, delta, EXAMPLES, ledger, OPERATOR, OWNER, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';
import { cpuEnvironment } from '../helpers/compute';

let bed: ComputeBed;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'datagora-job-'));

beforeAll(async () => {
  bed = await startComputeBed();
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

function accounts() {
  const { services } = bed;
  return { owner: services.account(OWNER).address, buyer: services.account(BUYER).address, operator: services.account(OPERATOR).address, treasury: services.account(0).address };
}

test('a paid training job returns a model and metrics, a verified receipt, and settles every balance to the unit', async () => {
  const before = await ledger(bed.buyer, accounts());
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(EXAMPLES, 'train_model.py'), params: { target: 'alert' }, maxMinutes: 5 });
  const seen: string[] = [];
  const final = await bed.client.follow(requested.jobId, (view) => seen.push(view.status));
  expect(final).toMatchObject({ status: 'finished' });
  // Ocean's lifecycle, in order (each status once).
  expect([...new Set(seen)]).toEqual(['queued', 'provisioning', 'running', 'filtering', 'publishing', 'finished'].filter((s) => seen.includes(s)));
  expect(seen).toContain('running');

  const out = tmp();
  const results = await bed.client.results(requested.jobId, out);
  expect(results.outputs.sort()).toEqual(['metrics.json', 'model.pkl']);
  const metrics = JSON.parse(readFileSync(path.join(out, 'outputs', 'metrics.json'), 'utf8')) as { accuracy: number; rows_train: number; rows_test: number };
  expect(metrics.rows_train + metrics.rows_test).toBe(12_000);
  expect(metrics.accuracy).toBeGreaterThan(0.6);
  const receipt = results.receipt.receipt;
  expect(receipt).toMatchObject({ jobId: requested.jobId.toString(), status: 'finished', exitCode: 0, delivered: true, datasetId: bed.datasetId.toString(), algorithmHash: requested.job.algorithmHash });
  expect(receipt.minutesUsed).toBeGreaterThanOrEqual(1);
  // The receipt verifies on its own too, files included.
  await expect(bed.client.verifyReceipt(path.join(out, 'receipt.json'), out)).resolves.toBeTruthy();
  writeFileSync(path.join(out, 'outputs', 'metrics.json'), '{"accuracy":1}');
  await expect(bed.client.verifyReceipt(path.join(out, 'receipt.json'), out)).rejects.toThrow(/outputHash/);

  const after = await ledger(bed.buyer, accounts());
  const job = requested.job;
  const providerFee = BigInt(receipt.minutesUsed) * job.pricePerMinute;
  const fee = (amount: bigint) => (amount * BigInt(job.feeBps)) / 10_000n;
  const change = delta(before, after);
  expect(change['buyer.wallet']).toBe(-requested.escrow);
  expect(change['buyer.computeCredit']).toBe(requested.escrow - job.dataFee - providerFee);
  expect(change['owner.computeCredit']).toBe(job.dataFee - fee(job.dataFee));
  expect(change['operator.computeCredit']).toBe(providerFee - fee(providerFee));
  expect(change['treasury.computeCredit']).toBe(fee(job.dataFee) + fee(providerFee));
  // Credits stay in the compute market until withdrawn.
  expect(change.escrow).toBe(requested.escrow);
  // Nothing is created or lost: the escrow paid in equals the credits handed out.
  expect(change['buyer.computeCredit']! + change['owner.computeCredit']! + change['operator.computeCredit']! + change['treasury.computeCredit']!).toBe(requested.escrow);
});

test('a delivered job settles with a result hash the chain matches to each of its outputs, and to no other file', async () => {
  const algorithm = path.join(tmp(), 'model.py');
  writeFileSync(
    algorithm,
    `import json, os
os.makedirs("/data/outputs/card", exist_ok=True)
json.dump({"kind": "constant", "label": "stable"}, open("/data/outputs/model.json", "w"))
json.dump({"fitted": True}, open("/data/outputs/metrics.json", "w"))
open("/data/outputs/card/README.md", "w").write("# A constant model\\n")
`,
  );
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 1 });
  expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
  const out = tmp();
  const { receipt } = await bed.client.results(requested.jobId, out);
  const outputs = await describeFiles(path.join(out, 'outputs'));
  expect(outputs.map((output) => output.path)).toEqual(['card/README.md', 'metrics.json', 'model.json']);

  const { publicClient, deployments } = bed.buyer;
  const isDeliveredResult = (resultHash: Hex) => publicClient.readContract({ ...contractsOf(deployments).computeMarket, functionName: 'isDeliveredResult', args: [requested.jobId, requested.job, resultHash] });
  const [model, metrics] = [outputs[2]!, outputs[1]!];
  const proof = contentProof(receipt, outputs, model.sha256);
  expect(await isDeliveredResult(resultHashOf(proof.receiptHash, rootFromProof(model.sha256, proof.outputsProof)))).toBe(true);
  // Another file with the model's proof, or the model with another output's proof, is not the job's result.
  const altered = sha256Hex(new TextEncoder().encode('{"kind": "constant", "label": "alert"}'));
  expect(await isDeliveredResult(resultHashOf(proof.receiptHash, rootFromProof(altered, proof.outputsProof)))).toBe(false);
  expect(await isDeliveredResult(resultHashOf(proof.receiptHash, rootFromProof(model.sha256, contentProof(receipt, outputs, metrics.sha256).outputsProof)))).toBe(false);
});

test('a Node.js algorithm runs through the same pipeline', async () => {
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(EXAMPLES, 'column_stats.js'), maxMinutes: 2 });
  expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
  const out = tmp();
  const results = await bed.client.results(requested.jobId, out);
  expect(results.outputs).toEqual(['column_stats.json']);
  const stats = readFileSync(path.join(out, 'outputs', 'column_stats.json'), 'utf8');
  expect(stats).toContain('heart_rate');
});

test('an algorithm error fails with its logs released and the data fee charged', async () => {
  const dir = tmp();
  const algorithm = path.join(dir, 'broken.py');
  writeFileSync(algorithm, 'import sys\nprint("loading the model")\nraise SystemExit("no such column: pulse")\n');
  const before = await ledger(bed.buyer, accounts());
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 2 });
  const final = await bed.client.follow(requested.jobId);
  expect(final).toMatchObject({ status: 'failed', reason: 'algorithm-error' });
  const out = tmp();
  const results = await bed.client.results(requested.jobId, out);
  expect(results.outputs).toEqual([]);
  expect(results.receipt.receipt).toMatchObject({ exitCode: 1, delivered: true, status: 'failed', reason: 'algorithm-error' });
  const log = readFileSync(path.join(out, 'logs', results.logs[0]!), 'utf8');
  expect(log).toContain('no such column: pulse');
  const change = delta(before, await ledger(bed.buyer, accounts()));
  expect(change['owner.computeCredit']).toBe(requested.job.dataFee - (requested.job.dataFee * BigInt(requested.job.feeBps)) / 10_000n);
});

test('the node refuses unpaid jobs, another provider’s jobs and an altered algorithm', async () => {
  const { publicClient, deployments } = bed.buyer;
  const { computeMarket, stablecoin } = contractsOf(deployments);
  const node = bed.provider!;
  const keys = generateResultKeyPair();
  const submit = (jobId: bigint, content: string) => bed.client.submit(jobId, node.url, { name: 'a.py', content: Buffer.from(content), params: {}, resultKey: keys.publicKey });

  await expect(submit(999n, 'print(1)')).rejects.toMatchObject({ status: 404, code: 'job-not-paid' });

  // A second provider, registered on-chain but with no node: a job assigned to it is refused here.
  const other = bed.services.chain.wallet(8);
  const consent = await signProviderNode(bed.services.account(7), { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket }, other.account.address, 'http://127.0.0.1:1');
  await publicClient.waitForTransactionReceipt({ hash: await other.writeContract({ ...computeMarket, functionName: 'registerProvider', args: ['http://127.0.0.1:1', bed.services.account(7).address, [cpuEnvironment(1_000n)], consent] }) });
  const otherId = await publicClient.readContract({ ...computeMarket, functionName: 'providerCount' });
  await allowEveryProvider(bed.owner, bed.datasetId);
  const dir = tmp();
  const algorithm = path.join(dir, 'mean.py');
  writeFileSync(algorithm, 'print("mean")\n');
  await expect(bed.client.request({ datasetId: bed.datasetId, algorithm, providerId: otherId, maxMinutes: 1 })).rejects.toMatchObject({ code: 'unreachable' });
  const jobs = await publicClient.readContract({ ...computeMarket, functionName: 'jobCount' });
  await expect(submit(jobs, 'print("mean")\n')).rejects.toMatchObject({ status: 403, code: 'wrong-provider' });

  // A job paid on-chain for one file (hash committed), then submitted with another: refused; the paid file is accepted.
  const buyer = bed.services.chain.wallet(BUYER);
  const paidHash = algorithmHash(Buffer.from('print("paid")\n'));
  const choice = { datasetId: bed.datasetId, providerId: node.providerId, environment: 0, maxMinutes: 1, aiTraining: false };
  await publicClient.waitForTransactionReceipt({ hash: await buyer.writeContract({ ...stablecoin, functionName: 'approve', args: [computeMarket.address, 100_000_000n] }) });
  await publicClient.waitForTransactionReceipt({
    hash: await buyer.writeContract({ ...computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, await quoteJob(publicClient, deployments.contracts, choice, buyer.account.address), paidHash) }),
  });
  const paid = await publicClient.readContract({ ...computeMarket, functionName: 'jobCount' });
  await expect(submit(paid, 'print("altered")\n')).rejects.toMatchObject({ status: 409, code: 'algorithm-mismatch' });
  await expect(submit(paid, 'print("paid")\n')).resolves.toMatchObject({ jobId: paid.toString(), status: 'queued', algorithmHash: paidHash });
  await expect(submit(paid, 'print("paid")\n')).rejects.toMatchObject({ status: 409, code: 'already-submitted' });
  expect(await bed.client.follow(paid)).toMatchObject({ status: 'finished' });
});

test('the buyer cancels a job before it starts, and refunds one never settled by its deadline', async () => {
  const { publicClient, deployments } = bed.buyer;
  const { computeMarket } = contractsOf(deployments);
  const provider = await publicClient.readContract({ ...computeMarket, functionName: 'providerCount' });
  const dir = tmp();
  const algorithm = path.join(dir, 'stats.py');
  writeFileSync(algorithm, 'print("stats")\n');
  // Jobs on the provider with no node (registered in the previous test, or here): nobody accepts them.
  const request = () => bed.client.request({ datasetId: bed.datasetId, algorithm, providerId: provider, maxMinutes: 1 }).catch(() => undefined);
  await request();
  const cancelled = await publicClient.readContract({ ...computeMarket, functionName: 'jobCount' });
  const { escrow } = await bed.client.job(cancelled);
  const before = await ledger(bed.buyer, accounts());
  await bed.client.cancel(cancelled);
  expect(delta(before, await ledger(bed.buyer, accounts()))['buyer.computeCredit']).toBe(escrow);

  await request();
  const stalled = await publicClient.readContract({ ...computeMarket, functionName: 'jobCount' });
  await expect(bed.client.refund(stalled)).rejects.toThrow(/DeadlineNotReached/);
  const { job } = await bed.client.job(stalled);
  const block = await publicClient.getBlock();
  await bed.services.chain.testClient.increaseTime({ seconds: Number(job.deadline - block.timestamp) + 1 });
  await bed.services.chain.testClient.mine({ blocks: 1 });
  const beforeRefund = await ledger(bed.buyer, accounts());
  await bed.client.refund(stalled);
  expect(delta(beforeRefund, await ledger(bed.buyer, accounts()))['buyer.computeCredit']).toBe(escrow);
  const withdrawn = await bed.buyer.withdraw();
  expect(withdrawn.amount).toBeGreaterThanOrEqual(escrow);
});

test('an algorithm probing its sandbox finds no network, no node secrets and no writable inputs', async () => {
  const { config } = bed.services;
  const dir = tmp();
  const algorithm = path.join(dir, 'probe.py');
  const targets = {
    files: [path.join(config.compute.dir, 'node-key'), path.join(config.keyNetwork.adapter === 'local' ? config.keyNetwork.dir : '/nonexistent', 'network.json'), config.deploymentsFile, '/etc/shadow', '/root'],
    urls: [config.chain.rpcUrl, config.storage.apiUrl, bed.provider!.url],
  };
  writeFileSync(
    algorithm,
    `import json, os, socket, urllib.request
report = {}
for f in ${JSON.stringify(targets.files)}:
    report[f] = os.path.exists(f)
for u in ${JSON.stringify(targets.urls)}:
    try:
        urllib.request.urlopen(u, timeout=2)
        report[u] = "reached"
    except Exception as e:
        report[u] = type(e).__name__
try:
    socket.getaddrinfo("example.com", 80)
    report["dns"] = "resolved"
except Exception as e:
    report["dns"] = type(e).__name__
try:
    open(os.path.join("/data/inputs", json.loads(os.environ["DIDS"])[0], "0"), "a").write("x")
    report["inputs"] = "written"
except Exception as e:
    report["inputs"] = type(e).__name__
report["uid"] = os.getuid()
json.dump(report, open("/data/outputs/probe.json", "w"))
`,
  );
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 1 });
  expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
  const out = tmp();
  await bed.client.results(requested.jobId, out);
  const report = JSON.parse(readFileSync(path.join(out, 'outputs', 'probe.json'), 'utf8')) as Record<string, unknown>;
  for (const file of targets.files) expect(report[file]).toBe(false);
  for (const url of targets.urls) expect(report[url]).not.toBe('reached');
  expect(report.dns).not.toBe('resolved');
  expect(report.inputs).not.toBe('written');
  expect(report.uid).toBe(65534);
});

test('the node runs at most its concurrency limit at once and queues the rest', async () => {
  const dir = tmp();
  const algorithm = path.join(dir, 'slow.py');
  writeFileSync(algorithm, 'import time\ntime.sleep(3)\nprint("done")\n');
  const jobs = [];
  for (let i = 0; i < 3; i++) jobs.push((await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 1 })).jobId);
  let most = 0;
  let queuedWhileFull = false;
  for (;;) {
    const views = await Promise.all(jobs.map((id) => bed.client.status(id)));
    const busy = views.filter((v) => ['provisioning', 'running', 'filtering', 'publishing'].includes(v.status)).length;
    most = Math.max(most, busy);
    if (busy === 2 && views.some((v) => v.status === 'queued')) queuedWhileFull = true;
    if (views.every((v) => ['finished', 'failed'].includes(v.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(most).toBe(2);
  expect(queuedWhileFull).toBe(true);
  // Every job's decrypted data and scratch space are gone: wiped just after the final status is recorded.
  const work = path.join(bed.services.config.compute.dir, 'work');
  const workspaces = () => readdirSync(work).filter((entry) => entry.startsWith('ws-'));
  for (let i = 0; i < 100 && workspaces().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(workspaces()).toEqual([]);
  expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(work);
});

test('on an approved-only dataset a job waits in the queue until the owner approves its algorithm', async () => {
  const datasetId = await publishComputeOnly(bed.owner, bed.dataFile, { title: 'Vitals, approved algorithms only', compute: { algorithms: 'approved', outputGuard: { maxOutputBytes: 16 << 20, leakDetection: true } } });
  const algorithm = path.join(EXAMPLES, 'aggregate_stats.py');
  const requested = await bed.client.request({ datasetId, algorithm, params: { group_by: 'alert', columns: ['heart_rate', 'spo2'] }, maxMinutes: 3 });
  const { ComputeClient } = await import('@/lib/compute/buyer/client');
  const ownerClient = new ComputeClient(bed.owner);
  // The node checks the policy when it takes the job from its queue; on a busy machine that takes a moment.
  let waiting = await bed.client.status(requested.jobId);
  for (let i = 0; i < 300 && waiting.detail === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    waiting = await bed.client.status(requested.jobId);
  }
  expect(waiting.status).toBe('queued');
  expect(waiting.detail).toMatch(/approve/);
  expect(await ownerClient.pendingAlgorithms(datasetId)).toEqual([{ algorithmHash: requested.job.algorithmHash, jobIds: [requested.jobId] }]);
  await ownerClient.setAlgorithmApproval(datasetId, requested.job.algorithmHash, true);
  expect(await ownerClient.pendingAlgorithms(datasetId)).toEqual([]);
  expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
  const out = tmp();
  const results = await bed.client.results(requested.jobId, out);
  expect(results.outputs).toContain('stats.csv');
  expect(existsSync(path.join(out, 'receipt.json'))).toBe(true);
});
