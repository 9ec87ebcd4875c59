/** Processes of this machine: whether one is alive, waiting for a child to be ready, stopping a child's group. */
import type { ChildProcess } from 'node:child_process';
import { DatagoraError } from '../errors';

/** Whether process `pid` exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `ready` until it answers true; fails if the child exits first or time runs out. */
export async function waitUntilReady(name: string, child: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DatagoraError(`the ${name} exited with ${child.signalCode ?? `code ${child.exitCode}`}`, `read the [${name}] lines above`);
    }
    try {
      if (await ready()) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new DatagoraError(`the ${name} was not ready within ${timeoutMs / 1000} s`, `read the [${name}] lines above`);
}

/** Signals the child's whole process group; SIGKILL follows after `graceMs`. */
export async function stopProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL'); // stragglers that ignored SIGTERM after the leader exited
}
