/**
 * `npm run bench`: runs every benchmark, prints a table and writes the results as JSON under bench/results/.
 * Targets are reported, never asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaseError } from 'viem';
import { measureGas } from './gas';

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

  const results = {
    startedAt: started.toISOString(),
    machine: { node: process.version, platform: `${os.platform()}/${os.arch()}`, cpus: os.cpus().length },
    gas,
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
