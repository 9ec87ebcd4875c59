/** Cleans up after a node that was killed mid-job: its staging areas and child cgroups. */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../../os/process';
import { removeWorkspace } from '../../os/workspace';
import { ownCgroups } from './cgroups';
import { STAGING_PREFIX } from './host';

/** A staging directory's or cgroup's name, with the pid of the node that made it. */
const STALE = new RegExp(`^${STAGING_PREFIX}(\\d+)-`);

/**
 * Removes the staging areas (unmounting their tmpfs) and child cgroups of jobs whose node process is gone: a node
 * killed mid-job cannot clean up after itself. Runs on the first sandboxSupport() of a process; resolves what it
 * removed.
 */
export async function sweepStaleSandboxes(): Promise<string[]> {
  const stale = (name: string) => {
    const pid = Number(STALE.exec(name)?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
  };
  const removed: string[] = [];
  for (const name of await readdir(os.tmpdir()).catch(() => [])) {
    if (!stale(name)) continue;
    const staging = path.join(os.tmpdir(), name);
    for (const area of await readdir(staging).catch(() => [])) await removeWorkspace(path.join(staging, area)).catch(() => undefined);
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    removed.push(staging);
  }
  const own = await ownCgroups();
  for (const parent of new Set([...own.v1.values(), ...(own.v2 ? [own.v2] : [])])) {
    for (const name of await readdir(parent).catch(() => [])) {
      if (!stale(name)) continue;
      const dir = path.join(parent, name);
      const leftover = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of leftover.split('\n').filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await rmdir(dir).then(
        () => removed.push(dir),
        () => undefined,
      );
    }
  }
  return removed;
}
