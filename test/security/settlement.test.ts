/**
 * Attack 4 of the trust issue: results before settlement. If the node handed out the receipt and the buyer's
 * wrapped results key before `submitResult` was mined, a job whose settlement fails (here: its deadline passes
 * while it runs) would leave the buyer with the results and, after the deadline, the whole escrow back. The node
 * now releases them only once the settlement is mined with `delivered = true`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { providerRequest } from '@/lib/compute/auth';
import { startComputeBed, type ComputeBed } from '../helpers/provider';

let bed: ComputeBed;

beforeAll(async () => {
  bed = await startComputeBed();
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

test('a job whose settlement misses its deadline releases no results, and the buyer gets the escrow back', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-settle-'));
  const algorithm = path.join(dir, 'slow_count.py');
  writeFileSync(algorithm, ['import time, pathlib', 'time.sleep(6)', "pathlib.Path('/data/outputs/count.txt').write_text('rows: many')", ''].join('\n'));
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 1 });
  for (let i = 0; i < 600 && (await bed.client.status(requested.jobId)).status !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  // While the algorithm runs, the chain's clock passes the job's deadline: the node's submitResult will revert.
  const { testClient, publicClient } = bed.services.chain;
  const now = (await publicClient.getBlock()).timestamp;
  await testClient.increaseTime({ seconds: Number(requested.job.deadline - now) + 60 });
  await testClient.mine({ blocks: 1 });

  const final = await bed.client.follow(requested.jobId);
  expect(final.status).toBe('failed');
  expect(final.history.at(-1)?.detail).toMatch(/could not settle/);
  // Nothing a buyer could keep: the node answers no receipt and no results key.
  const results = bed.client.results(requested.jobId, path.join(dir, 'out'));
  await expect(results).rejects.toMatchObject({ status: 409 });
  const record = bed.provider!.store.get(requested.jobId.toString());
  expect(record?.receipt).toBeUndefined();
  expect(record?.results).toBeUndefined();
  await expect(providerRequest(bed.provider!.config.compute.url, `/api/v1/jobs/${requested.jobId}`)).resolves.not.toHaveProperty('receipt');
  // The escrow comes back whole, as the contract promises for an unsettled job.
  await bed.client.refund(requested.jobId);
});
