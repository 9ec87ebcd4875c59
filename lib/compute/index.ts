/**
 * Compute-to-data. A provider node (provider/node.ts) serves the job API (provider/server.ts) and runs each job
 * through the pipeline (provider/pipeline.ts) on a compute engine (engine.ts): where an algorithm runs, isolated
 * from the network and the node. Engines: `bubblewrap` (bubblewrap/, this machine's kernel namespaces and
 * cgroups); Kubernetes jobs are the planned production engine. The configuration picks it (DATAGORA_COMPUTE).
 */
import type { ComputeConfig } from '../config';
import { bubblewrap } from './bubblewrap';
import type { ComputeEngine } from './engine';

/** The engine the configuration selects. */
export function computeEngine(config: ComputeConfig): ComputeEngine {
  switch (config.engine) {
    case 'bubblewrap':
      return bubblewrap;
  }
}
