/**
 * What a compute engine is to the provider node: it runs one algorithm isolated from the network and the node,
 * under limits, and reports how it ended. The pipeline sees only this interface; each engine is a sibling folder
 * (bubblewrap/: this machine's kernel namespaces and cgroups; Kubernetes jobs are the planned production engine),
 * and index.ts picks the one the configuration names.
 */
import type { ComputeConfig } from '../config';

/** Where the algorithm finds things inside the sandbox (Ocean's compute-to-data layout). */
export const SANDBOX_PATHS = {
  inputs: '/data/inputs',
  ddos: '/data/ddos',
  transformations: '/data/transformations',
  outputs: '/data/outputs',
  logs: '/data/logs',
} as const;

/** The file in the logs directory that receives the algorithm's stdout and stderr. */
export const ALGORITHM_LOG = 'algorithm.log';

export interface SandboxLimits {
  /** Wall-clock seconds before the whole process tree is killed. */
  wallSeconds: number;
  /** Memory of the whole job, including its /tmp, /dev/shm and tmpfs outputs (cgroup memory limit; fallback RLIMIT_DATA per process). */
  memoryBytes: number;
  /** CPU cores (cgroup CPU quota; no fallback). */
  cpus: number;
  /** Processes and threads the algorithm may run at once (cgroup pids.max; fallback RLIMIT_NPROC for the sandbox uid). */
  processes: number;
  /** Total bytes the algorithm may leave in /data/outputs. */
  outputBytes: number;
  /** Total bytes of /data/logs, including algorithm.log (stdout and stderr). */
  logBytes: number;
}

export interface SandboxJob {
  /** Program and arguments as seen inside the sandbox, e.g. ['/usr/bin/python3', '/data/transformations/algorithm.py']. */
  command: string[];
  /** The only environment the algorithm sees, besides PATH, HOME (/tmp), LANG and MPLBACKEND (which it may override). */
  env?: Record<string, string>;
  /** Host directory bound read-only at /data/inputs; must be readable by the sandbox user. */
  inputs: string;
  /** Host directory bound read-only at /data/ddos: each input's description (an Ocean DDO), named by the input's id. */
  ddos?: string;
  /** Host file bound read-only at /data/transformations/<basename>. */
  algorithm: string;
  /** Host directory that receives what the algorithm left in /data/outputs (regular files and directories). */
  outputs: string;
  /** Host directory that receives /data/logs, including algorithm.log. */
  logs: string;
  limits: SandboxLimits;
  /** NVIDIA device nodes (/dev/nvidia*) and CUDA library directories to make available, read-only for libraries. */
  gpu?: { devices: string[]; libraryDirs: string[] };
  /** Aborting kills every process of the job; the result's outcome is then 'cancelled'. */
  signal?: AbortSignal;
}

export type CgroupVersion = 'cgroup-v1' | 'cgroup-v2';

/** Which mechanism enforced each limit on this run. */
export interface SandboxEnforcement {
  memory: CgroupVersion | 'rlimit';
  processes: CgroupVersion | 'rlimit';
  cpu: CgroupVersion | 'none';
  output: 'tmpfs' | 'rlimit+watch';
  /** Whether a seccomp filter refused new user namespaces and a few unneeded kernel interfaces (x86-64, arm64). */
  syscallFilter: boolean;
  /** The uid the algorithm ran as: SANDBOX_USER.uid under a root node, else the node's own uid. */
  uid: number;
}

export interface SandboxResult {
  /**
   * Why it ended: 'exited' (on its own, any exit code), 'timeout' (wall limit), 'memory' (OOM kill),
   * 'output-limit' (outputs reached their cap; without tmpfs areas, also logs outgrowing theirs), 'cancelled'
   * (the signal), 'killed' (any other signal).
   */
  outcome: 'exited' | 'timeout' | 'memory' | 'output-limit' | 'cancelled' | 'killed';
  exitCode: number | null;
  /** Name of the signal that ended the algorithm, e.g. 'SIGSEGV' or 'SIGKILL'. */
  signal: string | null;
  wallMs: number;
  /** CPU time of the whole tree, when a cgroup measured it. */
  cpuMs: number | null;
  enforced: SandboxEnforcement;
  /** What the algorithm left that was not copied out ("outputs/x (symbolic link)"): links, special files, over-cap files. */
  discarded: string[];
}

/** Runs one algorithm, isolated, with limits; reports how it ended. */
export interface ComputeEngine {
  readonly name: ComputeConfig['engine'];
  /** Whether this machine can run jobs, and if not why and what to do. */
  support(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }>;
  run(job: SandboxJob): Promise<SandboxResult>;
}
