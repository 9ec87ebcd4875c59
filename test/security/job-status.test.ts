/**
 * Issue 15, attack 2: an algorithm names symbolic links, FIFOs, nested directories and files in /data/outputs
 * after data rows. The guard refuses them, but each finding used to carry its path into the job's public status —
 * ~50 rows per job (~4 kB each under nested directories), readable by anyone. Run as a real paid job on the chain
 * through a provider node and its bubblewrap sandbox (which drops links and FIFOs when it copies the outputs out;
 * the guard's own suite checks their names where they reach it): the job is blocked as a leak, and no row text
 * appears in any answer — public, or the buyer's and the owner's report.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobAuthorization } from '@/lib/compute/auth';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { runCli } from '../helpers/processes';
import { cliEnv } from '../helpers/services';
import { BUYER, startComputeBed, type ComputeBed } from '../helpers/provider';

/** Someone who neither paid for the job nor owns the dataset. */
const STRANGER = 6;

const ALGORITHM = `
import json, os
OUT = "/data/outputs"
did = json.loads(os.environ["DIDS"])[0]
with open(os.path.join("/data/inputs", did, "0"), encoding="utf-8") as f:
    rows = f.read().split("\\n")[1:]
for row in rows[0:40]:
    os.symlink("/data/inputs", os.path.join(OUT, row))
for row in rows[40:80]:
    os.mkfifo(os.path.join(OUT, row))
# Nested directories, each named by 9 rows: a ~4 kB path per finding below them.
deep = OUT
for i in range(16):
    deep = os.path.join(deep, " ".join(rows[80 + 9 * i:89 + 9 * i]))
os.makedirs(deep)
os.symlink("/etc/passwd", os.path.join(deep, rows[230]))
os.mkfifo(os.path.join(deep, rows[231]))
# Files the guard cannot clear (bzip2), each named by a row, 8 directories deep (the guard walks no deeper): two findings each, for its name and its content.
walked = os.path.join(OUT, *[" ".join(rows[80 + 9 * i:89 + 9 * i]) for i in range(8)])
for row in rows[240:320]:
    with open(os.path.join(walked, row), "wb") as f:
        f.write(b"BZh91AY&SY" + os.urandom(64))
os.mkdir(os.path.join(OUT, rows[400]))
print("wrote", len(os.listdir(OUT)), "entries")
`;

let bed: ComputeBed;
let rows: string[];

beforeAll(async () => {
  bed = await startComputeBed();
  rows = readFileSync(bed.dataFile, 'utf8').split('\n').slice(1, 500).filter(Boolean);
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

/** Fails with the first data row (or a row's leading fields) found in `text`. */
function expectNoRows(where: string, text: string): void {
  const found = rows.find((row) => text.includes(row)) ?? text.match(/P0\d{3},\d+,\d+/)?.[0];
  if (found) throw new Error(`${where} holds data: ${found} in ${text.slice(0, 2000)}`);
}

/** The raw Server-Sent Events of a job until the node ends the stream (at a final status). */
async function eventStream(endpoint: string, jobId: bigint): Promise<string> {
  const response = await fetch(new URL(`/api/v1/jobs/${jobId}/events`, endpoint));
  return response.text();
}

test('a job naming links, FIFOs and directories after rows is blocked as a leak, and its status shows none of them', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-names-'));
  const algorithm = path.join(dir, 'names.py');
  writeFileSync(algorithm, ALGORITHM);
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 2 });
  const endpoint = requested.provider.endpoint;
  const events = await eventStream(endpoint, requested.jobId);

  // Public: status and counts, no text the algorithm chose.
  const publicStatus = await fetch(new URL(`/api/v1/jobs/${requested.jobId}`, endpoint)).then((r) => r.text());
  expectNoRows('the public status', publicStatus);
  expectNoRows('the event stream', events);
  expect(events).toMatch(/"status":"failed"/);
  const view = JSON.parse(publicStatus) as Record<string, unknown>;
  expect(view).toMatchObject({ status: 'failed', reason: 'blocked-leak', guard: { findings: expect.any(Number), kinds: expect.objectContaining({ 'verbatim-leak': expect.any(Number), layout: expect.any(Number), undecodable: 80 }) } });
  expect(view).not.toHaveProperty('findings');
  expect((view.guard as { findings: number }).findings).toBeGreaterThanOrEqual(80);
  const stranger = runCli(['job', requested.jobId.toString(), '--json', '--account', String(STRANGER)], cliEnv(bed.services.config));
  expect(await stranger.exit).toBe(0);
  expect(stranger.output()).toMatch(/"reason": "blocked-leak"/);
  expectNoRows('the CLI’s status for a stranger', stranger.output());
  expect(await fetch(new URL(`/api/v1/jobs/${requested.jobId}/logs`, endpoint)).then((r) => r.status)).toBe(401);

  // The buyer's (and the owner's) full report: every finding, by entry number, never a name.
  const report = await bed.client.status(requested.jobId);
  expect(report.findings?.length).toBe(50);
  expect(report.omittedFindings).toBeGreaterThan(30);
  for (const finding of report.findings!) if ('file' in finding) expect(finding.file).toMatch(/^(outputs|logs)( entry #\d+)?$|^entry names$/);
  expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'verbatim-leak', file: 'entry names', match: 'row' }));
  expectNoRows('the buyer’s report', JSON.stringify(report));
  const owner = await new ComputeClient(bed.owner).status(requested.jobId);
  expect(owner.findings).toEqual(report.findings);
  const buyerCli = runCli(['job', requested.jobId.toString(), '--account', String(BUYER)], cliEnv(bed.services.config));
  expect(await buyerCli.exit).toBe(0);
  expect(buyerCli.output()).toMatch(/guard: layout in outputs entry #\d+/);
  expectNoRows('the CLI’s report for the buyer', buyerCli.output());
  const logs = await bed.client.logs(requested.jobId);
  expectNoRows('the node’s log of the job', JSON.stringify(logs));

  // A stranger's signed request for the report is refused.
  const signer = (await bed.services.market(STRANGER)).account!;
  const authorization = await jobAuthorization(signer, { endpoint, chainId: bed.buyer.deployments.chainId, jobId: requested.jobId });
  const refused = await fetch(new URL(`/api/v1/jobs/${requested.jobId}/report`, endpoint), { headers: { authorization } });
  expect(refused.status).toBe(403);
  expectNoRows('the refusal', await refused.text());

  // Nothing was released; the data fee went back to the buyer.
  const results = await bed.client.results(requested.jobId, mkdtempSync(path.join(os.tmpdir(), 'datagora-names-out-')));
  expect(results).toMatchObject({ outputs: [], logs: [], delivered: false });
  expect(results.receipt.receipt).toMatchObject({ status: 'failed', reason: 'blocked-leak' });
});
