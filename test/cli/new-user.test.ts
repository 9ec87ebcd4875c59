/**
 * What a new user ran into with the `datagora` CLI, run as they ran it against the real services and a real
 * provider node: an unknown dataset named as such, no purchase of one's own dataset, negative numbers reaching
 * the domain's checks, a failed job's log tail, a confirmation before extending a licence, plain tables with
 * readable sizes, and a parameter naming a missing column refused before payment.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Market } from '@/lib/market';
import { cliResult } from '../helpers/cli';
import { CLI, ROOT } from '../helpers/processes';
import { BUYER, EXAMPLES, startComputeBed, type ComputeBed } from '../helpers/provider';
import { cliEnv } from '../helpers/services';

jest.setTimeout(300_000);

const SELLER = 1;
const RENEWER = 3;
const LONG_TITLE = 'Hourly readings from every rooftop weather station of the northern district, 2019 to 2024';

let bed: ComputeBed;
let env: Record<string, string>;
let dir: string;
let seller: Market;
/** A 6,144-byte CSV sold for download by SELLER (365-day licences), and one sold with perpetual licences. */
let datasetId: string;
let perpetualId: string;

beforeAll(async () => {
  bed = await startComputeBed();
  env = cliEnv(bed.services.config);
  dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-new-user-'));
  const file = path.join(dir, 'readings.csv');
  // The header (12 bytes), one row of 2 + 6,129 + 1 bytes: 6,144 bytes in all.
  writeFileSync(file, `sensor,note\na,${'x'.repeat(6129)}\n`);
  seller = await bed.services.market(SELLER);
  datasetId = (await seller.publish(file, { title: LONG_TITLE }, { preset: 'commercial' }, { download: 2_000_000n, compute: 0n })).datasetId.toString();
  perpetualId = (await seller.publish(file, { title: 'Readings forever' }, { preset: 'commercial', accessDays: 0 }, { download: 1_000_000n, compute: 0n })).datasetId.toString();
}, 300_000);

afterAll(() => bed?.stop());

const cli = (args: string[]) => cliResult(args, env);

const stablecoin = async (market: Market) => (await market.balance()).stablecoin;

test('buying or computing on a dataset id nobody published says there is no such dataset', async () => {
  for (const args of [['buy', '999'], ['compute', '999', '--algorithm', path.join(EXAMPLES, 'train_model.py')]]) {
    const { code, output } = await cli([...args, '--account', String(BUYER)]);
    expect(code).toBe(2);
    expect(output.split('\n')[0]).toBe('DatasetNotFoundError: there is no dataset 999');
  }
});

test('an owner cannot buy a licence to its own dataset, and pays nothing', async () => {
  const before = await stablecoin(seller);
  const { code, output } = await cli(['buy', datasetId, '--account', String(SELLER)]);
  expect(code).toBe(2);
  expect(output.split('\n')[0]).toMatch(new RegExp(`^OwnDatasetError: .* owns dataset ${datasetId}`));
  expect(output).toMatch(/datagora download/);
  expect(await stablecoin(seller)).toBe(before);
});

test.each([
  ['buy --max-price', () => ['buy', datasetId, '--max-price', '-3', '--account', String(BUYER)], /^InvalidPriceError: invalid price "-3": a price cannot be negative/],
  ['update --price', () => ['update', datasetId, '--price', '-3', '--account', String(SELLER)], /^InvalidPriceError: invalid price "-3": a price cannot be negative/],
  ['update --compute-price', () => ['update', datasetId, '--compute-price', '-0.5', '--account', String(SELLER)], /^InvalidPriceError: invalid price "-0.5": a price cannot be negative/],
  ['publish --access-days', () => ['publish', 'package.json', '--title', 'x', '--licence', 'commercial', '--price', '1', '--access-days', '-1'], /^UsageError: --access-days cannot be negative, got -1/],
  ['compute --max-minutes', () => ['compute', String(bed.datasetId), '--algorithm', path.join(EXAMPLES, 'train_model.py'), '--max-minutes', '-3'], /^UsageError: --max-minutes must be at least 1, got -3/],
  ['compute --provider', () => ['compute', String(bed.datasetId), '--algorithm', path.join(EXAMPLES, 'train_model.py'), '--provider', '-1'], /^UsageError: --provider must be at least 1, got -1/],
  ['datasets --min-price', () => ['datasets', '--min-price', '-1'], /^QueryError: .*"-1" is not a decimal amount/],
  ['datasets --page', () => ['datasets', '--page', '-2'], /^QueryError: .*"-2" is not a whole number from 1/],
  ['a dataset id', () => ['show', '-3'], /^UsageError: expected a dataset id \(a positive integer\), got "-3"/],
])('a negative number for %s reaches its own check', async (_flag, args, reason) => {
  const { code, output } = await cli(args());
  expect(code).toBe(2);
  expect(output.split('\n')[0]).toMatch(reason);
});

test('a failed job says only its logs were delivered and prints the end of its log', async () => {
  const algorithm = path.join(dir, 'fails.py');
  writeFileSync(algorithm, 'import sys\nfor step in range(30):\n    print(f"step {step}", flush=True)\nsys.exit("the parameter threshold must be a number")\n');
  const { code, output } = await cli(['compute', String(bed.datasetId), '--algorithm', algorithm, '--max-minutes', '2', '--wait', '--out', path.join(dir, 'failed'), '--account', String(BUYER)]);
  expect(code).toBe(1);
  expect(output).toMatch(/failed \(algorithm-error/);
  expect(output).not.toMatch(/results delivered/);
  expect(output).toMatch(/settled on-chain \(1 min\): the algorithm failed, so only its logs were delivered, no outputs; the data fee was paid/);
  // The last 20 lines of the log: the reason and the steps before it, not the first steps.
  expect(output).toMatch(/last 20 lines of logs\/algorithm\.log/);
  expect(output).toMatch(/^ {2}\| the parameter threshold must be a number$/m);
  expect(output).toMatch(/^ {2}\| step 29$/m);
  expect(output).not.toMatch(/^ {2}\| step 3$/m);
});

test('buying a licence one holds asks before extending it; --yes extends it; without a terminal it refuses', async () => {
  const renewer = await bed.services.market(RENEWER);
  const first = await cli(['buy', datasetId, '--account', String(RENEWER)]);
  expect(first.code).toBe(0);
  const until = /valid until (\S+)/.exec(first.output)![1]!;
  const paid = await stablecoin(renewer);

  const scripted = await cli(['buy', datasetId, '--account', String(RENEWER)]);
  expect(scripted.code).toBe(2);
  expect(scripted.output).toMatch(new RegExp(`you hold a licence on dataset ${datasetId} until ${until}; buying again extends it to \\S+`));
  expect(scripted.output).toMatch(/pass --yes/);

  // On a terminal (a pty from script(1)) it asks; "n" buys nothing.
  const command = [process.execPath, CLI, 'buy', datasetId, '--account', String(RENEWER)].join(' ');
  const asked = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
  let said = '';
  asked.stdout.on('data', (chunk: Buffer) => {
    said += chunk.toString('utf8');
    if (/Continue\? \[y\/N\]/.test(said)) asked.stdin.end('n\n');
  });
  const answered = await new Promise<number | null>((resolve) => asked.once('exit', resolve));
  expect(said).toMatch(new RegExp(`you hold a licence on dataset ${datasetId} until ${until}; buying again extends it to \\S+\\. Continue\\? \\[y/N\\]`));
  expect(said).toMatch(/nothing bought/);
  expect(answered).toBe(1);
  expect(await stablecoin(renewer)).toBe(paid);

  const extended = await cli(['buy', datasetId, '--yes', '--account', String(RENEWER)]);
  expect(extended.code).toBe(0);
  const later = /valid until (\S+)/.exec(extended.output)![1]!;
  expect(new Date(later).getTime() - new Date(until).getTime()).toBe(365 * 86_400_000);
});

test('a perpetual licence is bought once; buying it again is refused before paying', async () => {
  const first = await cli(['buy', perpetualId, '--account', String(RENEWER)]);
  expect(first.code).toBe(0);
  expect(first.output).toMatch(/, perpetual \(tx/);
  const shown = await cli(['show', perpetualId, '--account', String(RENEWER)]);
  expect(shown.output).toMatch(/you\s+can decrypt — licence valid \(perpetual\)/);
  const again = await cli(['buy', perpetualId, '--yes', '--account', String(RENEWER)]);
  expect(again.code).toBe(2);
  expect(again.output.split('\n')[0]).toMatch(new RegExp(`^AlreadyLicensedError: you hold a perpetual licence on dataset ${perpetualId}`));
});

test('datasets prints a plain table: no index column or quotes, long titles cut with an ellipsis, sizes in kB', async () => {
  const { code, output } = await cli(['datasets']);
  expect(code).toBe(0);
  expect(output).not.toMatch(/\(index\)|'/);
  expect(output).toMatch(/^id +title +licence +price +size +status +owner$/m);
  expect(output).toContain(`${LONG_TITLE.slice(0, 39)}…`);
  expect(output).not.toContain(LONG_TITLE);
  expect(output).toMatch(/ 6\.1 kB /);
});

test('a parameter naming a column the dataset lacks is refused before payment, naming the columns', async () => {
  const before = await stablecoin(bed.buyer);
  const { code, output } = await cli(['compute', String(bed.datasetId), '--algorithm', path.join(EXAMPLES, 'train_model.py'), '--params', '{"target":"diagnosis"}', '--account', String(BUYER)]);
  expect(code).toBe(2);
  expect(output.split('\n')[0]).toMatch(new RegExp(`^UnknownColumnError: parameter "target" names the column "diagnosis", which dataset ${bed.datasetId} does not have; its columns: .*\\balert\\b`));
  expect(await stablecoin(bed.buyer)).toBe(before);
});
