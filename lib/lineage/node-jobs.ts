/**
 * The Node host's view of a job a derivative names (the SDK's and the CLI's): the job as its JobRequested event
 * holds it, and its results opened with the job's key kept under DATAGORA_HOME, into a scratch directory that is
 * gone once the outputs are described.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { ComputeClient } from '../compute/buyer/client';
import { describeFiles } from '../compute/results';
import type { Market } from '../market';
import type { RequestedJobOutputs } from './derivation';

export async function requestedJobOutputs(market: Market, jobId: bigint): Promise<RequestedJobOutputs> {
  const client = new ComputeClient(market);
  const { job } = await client.job(jobId);
  return {
    job,
    async open() {
      // Under DATAGORA_HOME, the owner's own directory: the outputs are decrypted plaintext.
      const dir = await mkdtemp(path.join(market.config.home, `job-${jobId}-`));
      try {
        const { receipt } = await client.results(jobId, dir);
        const outputs = path.join(dir, 'outputs');
        return { receipt, outputs: existsSync(outputs) ? await describeFiles(outputs) : [] };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
