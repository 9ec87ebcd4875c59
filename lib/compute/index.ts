/**
 * Compute-to-data. A provider node (node.ts) serves the job API (server.ts) and runs each job through the
 * pipeline (pipeline.ts) on a compute engine: where an algorithm runs, isolated from the network and the node.
 * Engines: `bubblewrap` (sandbox.ts, this machine's kernel namespaces and cgroups); Kubernetes jobs are the
 * planned production engine. The configuration picks it (DATAGORA_COMPUTE).
 */
import type { ComputeConfig } from '../config';
import { runInSandbox, sandboxSupport, type SandboxJob, type SandboxResult } from './sandbox';

/** Runs one algorithm, isolated, with limits; reports how it ended. */
export interface ComputeEngine {
  readonly name: ComputeConfig['engine'];
  /** Whether this machine can run jobs, and if not why and what to do. */
  support(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }>;
  run(job: SandboxJob): Promise<SandboxResult>;
}

const bubblewrap: ComputeEngine = { name: 'bubblewrap', support: sandboxSupport, run: runInSandbox };

/** The engine the configuration selects. */
export function computeEngine(config: ComputeConfig): ComputeEngine {
  switch (config.engine) {
    case 'bubblewrap':
      return bubblewrap;
  }
}
