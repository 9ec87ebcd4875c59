/**
 * Analysis templates against free-form code: the `aggregate` template and examples/algorithms/aggregate_stats.py
 * computing the same grouped statistics, as paid jobs on one provider node and one compute-only dataset (published
 * with `algorithms: 'any'`, so both run), interleaved so that both see the same chain, IPFS node and caches.
 * What differs is the template's path through the node: its parameters checked against the published columns
 * before acceptance, and its exact result released through releaseTemplateOutput instead of the output guard.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobPhase, JobView } from '../lib/compute/api';
import { EXAMPLES, startComputeBed, type ComputeBed } from '../test/helpers/provider';
import type { PublishFigure } from './publish';
import { percentile } from './stats';

/** The node's phases whose durations the job history gives, each from its first event to the next phase's. */
const PHASES = ['provisioning', 'running', 'filtering', 'publishing'] as const satisfies readonly JobPhase[];

interface Sample {
  wallMs: number;
  /** The algorithm's own run in the sandbox, as the node timed it. */
  runMs: number;
  phases: Record<(typeof PHASES)[number], number>;
  /** Every byte the node released and counted against the buyer's budget: outputs and logs. */
  releasedBytes: number;
}

const KINDS = {
  template: { template: 'aggregate', params: { groupBy: ['alert'], metrics: [{ column: 'heart_rate', stats: ['count', 'mean'] }] } },
  'free-form': { algorithm: path.join(EXAMPLES, 'aggregate_stats.py'), params: { group_by: 'alert', columns: ['heart_rate'] } },
} as const;
type Kind = keyof typeof KINDS;

/** Milliseconds from each phase's first event to the first event of a later phase. */
function phaseDurations(final: JobView): Sample['phases'] {
  const first = (status: JobPhase) => final.history.find((event) => event.status === status);
  const entries = PHASES.map((phase, i) => {
    const start = first(phase);
    const end = [...PHASES.slice(i + 1), 'finished' as const].map(first).find((event) => event !== undefined);
    if (!start || !end) throw new Error(`bench job ${final.jobId} has no ${phase} phase in its history`);
    return [phase, Date.parse(end.at) - Date.parse(start.at)] as const;
  });
  return Object.fromEntries(entries) as Sample['phases'];
}

/** Bytes of every file the buyer received under `dir`/outputs and `dir`/logs. */
function receivedBytes(dir: string, results: { outputs: string[]; logs: string[] }): number {
  const files = [...results.outputs.map((file) => path.join(dir, 'outputs', file)), ...results.logs.map((file) => path.join(dir, 'logs', file))];
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

async function runJob(bed: ComputeBed, kind: Kind, scratch: string): Promise<Sample> {
  const started = performance.now();
  const requested = await bed.client.request({ datasetId: bed.datasetId, ...KINDS[kind], maxMinutes: 1 });
  const final = await bed.client.follow(requested.jobId);
  const wallMs = performance.now() - started;
  if (final.status !== 'finished' || !('runMs' in final) || final.runMs === undefined) throw new Error(`bench ${kind} job ${requested.jobId} ended ${final.status} (${final.reason ?? ''})`);
  const out = path.join(scratch, requested.jobId.toString());
  const results = await bed.client.results(requested.jobId, out);
  return { wallMs, runMs: final.runMs, phases: phaseDurations(final), releasedBytes: receivedBytes(out, results) };
}

/** `jobs` aggregate jobs of each kind, alternating, after one untimed warm-up of each. */
export async function measureTemplateOverhead(jobs = 5): Promise<PublishFigure[]> {
  const bed = await startComputeBed();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-templates-'));
  try {
    const kinds = Object.keys(KINDS) as Kind[];
    // The first job of each kind pays for Python's and pandas' first import from a cold page cache.
    for (const kind of kinds) await runJob(bed, kind, scratch);
    const samples: Record<Kind, Sample[]> = { template: [], 'free-form': [] };
    for (let i = 0; i < jobs; i++) for (const kind of kinds) samples[kind].push(await runJob(bed, kind, scratch));

    const median = (kind: Kind, of: (sample: Sample) => number) => Math.round(percentile(samples[kind].map(of), 0.5));
    const figures: PublishFigure[] = [];
    for (const kind of kinds) {
      figures.push({ name: `${kind}: whole job p50 (${jobs} jobs, paid request → finished)`, value: median(kind, (s) => s.wallMs), unit: 'ms' });
      for (const phase of PHASES) figures.push({ name: `${kind}: ${phase} p50 (node's job history)`, value: median(kind, (s) => s.phases[phase]), unit: 'ms' });
      figures.push({ name: `${kind}: algorithm run in the sandbox p50`, value: median(kind, (s) => s.runMs), unit: 'ms' });
      figures.push({ name: `${kind}: released bytes (outputs and logs)`, value: median(kind, (s) => s.releasedBytes), unit: 'B' });
    }
    const ratio = (of: (sample: Sample) => number) => Math.round((percentile(samples.template.map(of), 0.5) / percentile(samples['free-form'].map(of), 0.5)) * 100) / 100;
    figures.push(
      { name: 'template / free-form: whole job p50', value: ratio((s) => s.wallMs), unit: '×' },
      { name: 'template / free-form: provisioning p50', value: ratio((s) => s.phases.provisioning), unit: '×', note: 'the template’s parameters are checked before acceptance' },
      { name: 'template / free-form: filtering p50', value: ratio((s) => s.phases.filtering), unit: '×', note: 'releaseTemplateOutput against the output guard' },
      { name: 'template / free-form: released bytes', value: ratio((s) => s.releasedBytes), unit: '×', note: 'aggregate_stats.py also computes std, min and max and writes logs' },
    );
    return figures;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await bed.stop();
  }
}
