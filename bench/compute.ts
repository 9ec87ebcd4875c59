/**
 * Compute-to-data overhead: paid jobs end to end through the real chain, IPFS node, key network and a provider
 * node, with an algorithm that does almost nothing, so what is measured is the market's own cost — request and
 * escrow, submission, key release, decryption, sandbox, guard, encrypted results, receipt and settlement.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startComputeBed } from '../test/helpers/provider';
import type { PublishFigure } from './publish';
import { percentile } from './stats';

/** Job overhead over `jobs` sequential jobs: paid request → settled, minus the algorithm's own run in the sandbox. */
export async function measureJobOverhead(jobs = 20): Promise<PublishFigure[]> {
  const bed = await startComputeBed();
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-compute-'));
    const algorithm = path.join(dir, 'count.py');
    writeFileSync(algorithm, 'import os\nopen(os.path.join("/data/outputs", "rows.txt"), "w").write(str(sum(1 for _ in open(os.path.join("/data/inputs", os.environ["DIDS"][2:-2], "0")))))\n');
    const overheads: number[] = [];
    const totals: number[] = [];
    const runs: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const started = performance.now();
      const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 1 });
      const final = await bed.client.follow(requested.jobId);
      const total = performance.now() - started;
      if (final.status !== 'finished' || final.runMs === undefined) throw new Error(`bench job ${requested.jobId} ended ${final.status} (${final.reason ?? ''})`);
      totals.push(total);
      runs.push(final.runMs);
      overheads.push(total - final.runMs);
    }
    const round = (ms: number) => Math.round(ms);
    return [
      { name: `job overhead p50 (${jobs} jobs: paid request → settled, minus the algorithm's run)`, value: round(percentile(overheads, 0.5)), unit: 'ms', target: 1_500 },
      { name: 'job overhead p95', value: round(percentile(overheads, 0.95)), unit: 'ms' },
      { name: 'whole job p50 (12,000-row compute-only dataset)', value: round(percentile(totals, 0.5)), unit: 'ms' },
      { name: 'algorithm run in the sandbox p50 (python3 counting rows)', value: round(percentile(runs, 0.5)), unit: 'ms' },
    ];
  } finally {
    await bed.stop();
  }
}
