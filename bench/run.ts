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
import { measureTemplateOverhead } from './templates';
import { measureGuard } from './guard';
import { measureSandbox } from './sandbox';
import { measureIndexer } from './indexer';
import { measureMetadata } from './metadata';
import { measureWeb } from './web';
import { measureCli } from './cli';
import { federatedTable, measureFederated } from './federated';
import { DATABASE_KINDS } from '../test/helpers/database';

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

/** Every section, in the order they run; DATAGORA_BENCH=indexer,compute runs only those. */
const SECTIONS = ['gas', 'storage', 'publish', 'metadata', 'access', 'sandbox', 'guard', 'compute', 'templates', 'indexer', 'web', 'cli', 'federated'] as const;
/** Sections too slow for every run (minutes of training): only when DATAGORA_BENCH names them. */
const ON_REQUEST: readonly string[] = ['federated'];

function chosenSections(): Set<string> {
  const names = (process.env.DATAGORA_BENCH ?? '').split(',').filter(Boolean);
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`DATAGORA_BENCH: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  return new Set(names.length > 0 ? names : SECTIONS.filter((name) => !ON_REQUEST.includes(name)));
}

async function main(): Promise<void> {
  const started = new Date();
  const run = chosenSections();
  const results: Record<string, unknown> = {
    startedAt: started.toISOString(),
    machine: { node: process.version, platform: `${os.platform()}/${os.arch()}`, cpus: os.cpus().length },
  };
  if (run.has('gas')) {
    const gas = await measureGas(Number(process.env.DATAGORA_BENCH_PORT ?? 8650));
    console.log('\nGas used per transaction (embedded anvil, solc optimizer 10,000 runs)\n');
    console.table(
      gas.map((f) => ({
        transaction: f.name,
        gas: f.gas.toLocaleString('en-US'),
        target: f.target ? `≤ ${f.target.toLocaleString('en-US')}` : '',
        verdict: f.target ? (f.gas <= f.target ? 'within' : 'OVER') : '',
        note: f.note ?? '',
      })),
    );
    results.gas = gas;
  }
  if (run.has('storage')) {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-'));
    try {
      results.storage = await measureStorage(scratch, { memoryFileBytes: 0 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    printFigures('Storage: the embedded Helia node', results.storage as PublishFigure[]);
  }
  const sections: [name: (typeof SECTIONS)[number], title: string, measure: () => Promise<PublishFigure[]>][] = [
    ['publish', 'Publish and download (CLI processes against the embedded services)', () => measurePublish({ throughputMb: 200, largeSizesMb: largeSizes() })],
    ['metadata', 'Metadata: signed documents as IPFS blocks and as Ceramic commits (js-ceramic, inmemory)', () => measureMetadata()],
    ['access', 'Licensed decrypt through the 2-of-3 key network', () => measureAccess({ port: Number(process.env.DATAGORA_BENCH_PORT ?? 8650) + 10 })],
    ['sandbox', 'Compute sandbox start (bwrap, cgroups, tmpfs areas)', () => measureSandbox()],
    ['guard', 'Output guard (1M-row CSV)', () => measureGuard()],
    ['compute', 'Compute-to-data jobs (chain, IPFS, key network, provider node)', () => measureJobOverhead()],
    ['templates', 'Analysis templates against free-form code: the aggregate template and aggregate_stats.py, interleaved on one provider node', () => measureTemplateOverhead()],
    ['indexer', `Indexer: ingest from anvil, analytics and search over 1,000,000 purchases (${DATABASE_KINDS.join(' and ')})`, () => measureIndexer()],
    ['web', 'Web app: pages under load against the search API, first-load JavaScript and Lighthouse (datagora start, production build, Chromium)', () => measureWeb({ basePort: Number(process.env.DATAGORA_BENCH_PORT ?? 8650) + 20 })],
    ['cli', 'CLI start-up (datagora --help and read commands against the embedded services, beside node -e 0)', () => measureCli()],
  ];
  for (const [name, title, measure] of sections) {
    if (!run.has(name)) continue;
    results[name] = await measure();
    printFigures(title, results[name] as PublishFigure[]);
  }
  if (run.has('federated')) {
    const federated = await measureFederated();
    const held = federated.hospitals.map((h) => `${h.heldOutPatients} of ${h.patients} patients of ${h.title}`).join(' and ');
    console.log(
      `\nFederated logistic regression over the demo's two hospitals (two provider nodes, bubblewrap sandbox) against the same model trained centrally: ${federated.rounds} rounds of ${federated.params.epochs} local steps at clip ${federated.clip} vs ${federated.central.gradientSteps} steps on the pooled rows; accuracy on the held-out patients (${held}, none of them published), where always answering "no alert" scores ${(federated.majority * 100).toFixed(2)} %\n`,
    );
    console.table(federatedTable(federated));
    results.federated = federated;
  }

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
