/**
 * `npm run bench`: runs every benchmark, prints a table and writes the results as JSON under bench/results/.
 * Targets are reported, never asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaseError } from 'viem';
import { mkdtempSync, rmSync } from 'node:fs';
import { measureAccess } from './access';
import { measureGas } from './gas';
import { measurePublish, type PublishFigure } from './publish';
import { measureStorage } from './storage';
import { measureJobOverhead } from './compute';
import { measureGuard } from './guard';
import { measureSandbox } from './sandbox';

/** Prints figures with their targets (upper bounds unless `atLeast`). */
function printFigures(title: string, figures: PublishFigure[]): void {
  console.log(`\n${title}\n`);
  console.table(
    figures.map((f) => ({
      measure: f.name,
      value: `${f.value.toLocaleString('en-US')} ${f.unit}`,
      target: f.target === undefined ? '' : `${f.atLeast ? '≥' : '≤'} ${f.target.toLocaleString('en-US')}`,
      verdict: f.target === undefined ? '' : (f.atLeast ? f.value >= f.target : f.value <= f.target) ? 'within' : 'OVER',
      note: f.note ?? '',
    })),
  );
}

/** Large-file sizes in MB for the memory figures (DATAGORA_BENCH_LARGE, default 1000,5000). */
function largeSizes(): number[] {
  return (process.env.DATAGORA_BENCH_LARGE ?? '1000,5000').split(',').filter(Boolean).map(Number);
}

async function main(): Promise<void> {
  const started = new Date();
  const gas = await measureGas(Number(process.env.DATAGORA_BENCH_PORT ?? 8650));

  console.log('\nGas used per transaction (embedded anvil, solc optimizer 10,000 runs)\n');
  const rows = gas.map((f) => ({
    transaction: f.name,
    gas: f.gas.toLocaleString('en-US'),
    target: f.target ? `≤ ${f.target.toLocaleString('en-US')}` : '',
    verdict: f.target ? (f.gas <= f.target ? 'within' : 'OVER') : '',
    note: f.note ?? '',
  }));
  console.table(rows);

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-'));
  let storage;
  try {
    storage = await measureStorage(scratch, { memoryFileBytes: 0 });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  printFigures('Storage: the embedded Helia node', storage);
  const publish = await measurePublish({ throughputMb: 200, largeSizesMb: largeSizes() });
  printFigures('Publish and download (CLI processes against the embedded services)', publish);
  const access = await measureAccess({ port: Number(process.env.DATAGORA_BENCH_PORT ?? 8650) + 10 });
  printFigures('Licensed decrypt through the 2-of-3 key network', access);
  const sandbox = await measureSandbox();
  printFigures('Compute sandbox start (bwrap, cgroups, tmpfs areas)', sandbox);
  const guard = await measureGuard();
  printFigures('Output guard (1M-row CSV)', guard);
  const compute = await measureJobOverhead();
  printFigures('Compute-to-data jobs (chain, IPFS, key network, provider node)', compute);

  const results = {
    startedAt: started.toISOString(),
    machine: { node: process.version, platform: `${os.platform()}/${os.arch()}`, cpus: os.cpus().length },
    gas,
    storage,
    publish,
    access,
    sandbox,
    guard,
    compute,
  };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(process.cwd(), file)} (and bench/results/latest.json)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof BaseError ? error.shortMessage : error);
  process.exit(1);
});
