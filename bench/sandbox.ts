/**
 * What the compute sandbox costs at start: `/bin/true` and `python3 -c pass` spawned bare and through
 * runInSandbox (namespaces, cgroups, tmpfs outputs and logs, the copy-out and the clean-up: everything a job
 * pays beyond its own run time), p50 over 30 runs each after a warm-up. bwrap alone is shown for reference.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInSandbox, sandboxSupport } from '../lib/compute/bubblewrap';
import type { SandboxLimits } from '../lib/compute/engine';
import { percentile } from './stats';

export interface SandboxFigure {
  name: string;
  value: number;
  unit: string;
  /** Upper bound from the issue tracker, where one is set. */
  target?: number;
  note?: string;
}

const RUNS = 30;
const WARM_UP = 3;
/** Sandbox start overhead budget (ms), from the issue. */
const OVERHEAD_TARGET_MS = 60;
const PYTHON = '/usr/bin/python3';
const LIMITS: SandboxLimits = { wallSeconds: 30, memoryBytes: 512 << 20, cpus: 1, processes: 64, outputBytes: 16 << 20, logBytes: 1 << 20 };

const round = (ms: number) => Math.round(ms * 10) / 10;

/** p50 of `RUNS` timed calls of `once`, after `WARM_UP` untimed ones. */
async function p50(once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return round(percentile(samples, 0.5));
}

/** Spawns `command` and waits for it to exit 0. */
function spawnBare(command: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command.join(' ')} exited with ${code}`))));
  });
}

/** Measures sandbox start overhead; throws if this machine cannot run the sandbox (the reason and hint say why). */
export async function measureSandbox(): Promise<SandboxFigure[]> {
  const support = await sandboxSupport();
  if (!support.ok) throw new Error(`${support.reason} (${support.hint})`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-sandbox-'));
  try {
    const inputs = path.join(scratch, 'inputs');
    mkdirSync(inputs, { mode: 0o755 });
    chmodSync(inputs, 0o755);
    const algorithm = path.join(scratch, 'algorithm.py');
    writeFileSync(algorithm, 'pass\n', { mode: 0o644 });
    let run = 0;
    const inSandbox = (command: string[]) => async () => {
      const job = path.join(scratch, `run-${run++}`);
      const result = await runInSandbox({ command, inputs, algorithm, outputs: path.join(job, 'outputs'), logs: path.join(job, 'logs'), limits: LIMITS });
      if (result.outcome !== 'exited' || result.exitCode !== 0) throw new Error(`${command.join(' ')} in the sandbox: ${result.outcome} ${result.exitCode ?? result.signal}`);
      rmSync(job, { recursive: true, force: true });
    };
    // bwrap's namespaces and mounts only: no cgroups, no tmpfs, no privilege drop.
    const bwrapOnly = ['bwrap', '--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin', '--proc', '/proc', '--dev', '/dev', '--'];

    const bareTrue = await p50(() => spawnBare(['/bin/true']));
    const bwrapTrue = await p50(() => spawnBare([...bwrapOnly, '/bin/true']));
    const sandboxTrue = await p50(inSandbox(['/bin/true']));
    const barePython = await p50(() => spawnBare([PYTHON, '-c', 'pass']));
    const sandboxPython = await p50(inSandbox([PYTHON, '-c', 'pass']));
    const enforced = (await runInSandbox({ command: ['/bin/true'], inputs, algorithm, outputs: path.join(scratch, 'o'), logs: path.join(scratch, 'l'), limits: LIMITS })).enforced;
    const how = `memory ${enforced.memory}, processes ${enforced.processes}, cpu ${enforced.cpu}, output ${enforced.output}, uid ${enforced.uid}`;

    return [
      { name: '/bin/true, bare spawn (p50)', value: bareTrue, unit: 'ms' },
      { name: '/bin/true, bwrap alone (p50)', value: bwrapTrue, unit: 'ms', note: 'namespaces and binds only' },
      { name: '/bin/true, runInSandbox (p50)', value: sandboxTrue, unit: 'ms', note: how },
      { name: 'sandbox start overhead, /bin/true', value: round(sandboxTrue - bareTrue), unit: 'ms', target: OVERHEAD_TARGET_MS, note: 'runInSandbox p50 − bare p50' },
      { name: 'python3 -c pass, bare spawn (p50)', value: barePython, unit: 'ms' },
      { name: 'python3 -c pass, runInSandbox (p50)', value: sandboxPython, unit: 'ms' },
      { name: 'sandbox start overhead, python3', value: round(sandboxPython - barePython), unit: 'ms', target: OVERHEAD_TARGET_MS, note: 'runInSandbox p50 − bare p50' },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `tsx bench/sandbox.ts` prints the figures alone. */
if (require.main === module) {
  measureSandbox()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
