/** The job's child cgroups (v1 or v2, whichever this node may write): its memory, process and CPU limits. */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CgroupVersion, SandboxLimits } from '../engine';

/** bwrap's own two processes (the outer monitor and the namespace's init) count against pids.max. */
const SANDBOX_OWN_PROCESSES = 2;

type Controller = 'memory' | 'pids' | 'cpu' | 'cpuacct';
const CONTROLLERS: Controller[] = ['memory', 'pids', 'cpu', 'cpuacct'];

/** This process's own cgroup directory per v1 controller, and its v2 directory, from mountinfo and /proc/self/cgroup. */
export async function ownCgroups(): Promise<{ v1: Map<Controller, string>; v2?: string }> {
  const v1 = new Map<Controller, string>();
  let v2: string | undefined;
  let mountinfo: string;
  let membership: string;
  try {
    [mountinfo, membership] = await Promise.all([readFile('/proc/self/mountinfo', 'utf8'), readFile('/proc/self/cgroup', 'utf8')]);
  } catch {
    return { v1 };
  }
  const paths = new Map<string, string>(); // "memory" or "" (v2) → path in its hierarchy
  for (const line of membership.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, list, where] = match as unknown as [string, string, string];
    if (list === '') paths.set('', where);
    for (const name of list.split(',')) paths.set(name, where);
  }
  const under = (mountPoint: string, root: string, where: string | undefined) => {
    if (where === undefined) return undefined;
    if (root === '/') return path.join(mountPoint, where);
    if (where === root || where.startsWith(`${root}/`)) return path.join(mountPoint, where.slice(root.length));
    return undefined; // our cgroup is outside what this mount shows
  };
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions = ''] = right.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (!root || !mountPoint) continue;
    if (fsType === 'cgroup2') {
      v2 ??= under(mountPoint, root, paths.get(''));
    } else if (fsType === 'cgroup') {
      for (const option of superOptions.split(',')) {
        const controller = CONTROLLERS.find((name) => name === option);
        if (controller && !v1.has(controller)) {
          const dir = under(mountPoint, root, paths.get(controller));
          if (dir) v1.set(controller, dir);
        }
      }
    }
  }
  return { v1, ...(v2 ? { v2 } : {}) };
}

/** The job's child cgroups; each controller it could not get stays undefined (and a fallback applies). */
export class JobCgroups {
  /** Directories created, in creation order (removed in reverse). */
  readonly dirs: string[] = [];
  memory?: { version: CgroupVersion; dir: string };
  pids?: { version: CgroupVersion; dir: string };
  cpu?: { version: CgroupVersion; dir: string };
  usage?: { version: CgroupVersion; dir: string };
  /** v2 directory, if one was made (for cgroup.kill). */
  private v2?: string;

  static async create(name: string, limits: SandboxLimits): Promise<JobCgroups> {
    const groups = new JobCgroups();
    const own = await ownCgroups();
    const write = (dir: string, file: string, value: string) => writeFile(path.join(dir, file), value);
    const made = async (dir: string) => {
      if (groups.dirs.includes(dir)) return true;
      try {
        await mkdir(dir);
        groups.dirs.push(dir);
        return true;
      } catch {
        return false;
      }
    };
    const quota = Math.max(1000, Math.round(limits.cpus * 100_000));
    const pidsMax = String(limits.processes + SANDBOX_OWN_PROCESSES);

    for (const controller of CONTROLLERS) {
      const parent = own.v1.get(controller);
      if (!parent) continue;
      const dir = path.join(parent, name);
      if (!(await made(dir))) continue;
      try {
        if (controller === 'memory') {
          await write(dir, 'memory.limit_in_bytes', String(limits.memoryBytes));
          await write(dir, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes)).catch(() => undefined); // no swap accounting
          groups.memory = { version: 'cgroup-v1', dir };
        } else if (controller === 'pids') {
          await write(dir, 'pids.max', pidsMax);
          groups.pids = { version: 'cgroup-v1', dir };
        } else if (controller === 'cpu') {
          await write(dir, 'cpu.cfs_period_us', '100000');
          await write(dir, 'cpu.cfs_quota_us', String(quota));
          groups.cpu = { version: 'cgroup-v1', dir };
        } else {
          groups.usage = { version: 'cgroup-v1', dir };
        }
      } catch {
        // Not writable for this controller: its fallback applies.
      }
    }

    if (own.v2 && (!groups.memory || !groups.pids || !groups.cpu || !groups.usage)) {
      const dir = path.join(own.v2, name);
      if (await made(dir)) {
        groups.v2 = dir;
        groups.usage ??= { version: 'cgroup-v2', dir }; // cpu.stat exists in every v2 cgroup
        const available = async () => (await readFile(path.join(dir, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
        let controllers = await available();
        const wanted = (['memory', 'pids', 'cpu'] as const).filter((c) => !groups[c] && !controllers.includes(c));
        if (wanted.length > 0) {
          // Succeeds only where this cgroup may delegate (it holds no processes itself); otherwise fall back.
          await write(own.v2, 'cgroup.subtree_control', wanted.map((c) => `+${c}`).join(' ')).catch(() => undefined);
          controllers = await available();
        }
        try {
          if (!groups.memory && controllers.includes('memory')) {
            await write(dir, 'memory.max', String(limits.memoryBytes));
            await write(dir, 'memory.swap.max', '0').catch(() => undefined);
            await write(dir, 'memory.oom.group', '1').catch(() => undefined); // an OOM takes the whole job
            groups.memory = { version: 'cgroup-v2', dir };
          }
        } catch {
          // fallback
        }
        try {
          if (!groups.pids && controllers.includes('pids')) {
            await write(dir, 'pids.max', pidsMax);
            groups.pids = { version: 'cgroup-v2', dir };
          }
        } catch {
          // fallback
        }
        try {
          if (!groups.cpu && controllers.includes('cpu')) {
            await write(dir, 'cpu.max', `${quota} 100000`);
            groups.cpu = { version: 'cgroup-v2', dir };
          }
        } catch {
          // none
        }
      }
    }
    return groups;
  }

  /** The cgroup.procs files the job's first process writes itself into before anything forks. */
  procsFiles(): string[] {
    return this.dirs.map((dir) => path.join(dir, 'cgroup.procs'));
  }

  /** SIGKILLs every process in the job's cgroups until none is left (a fork bomb may still be forking). */
  async killAll(): Promise<void> {
    if (this.v2) await writeFile(path.join(this.v2, 'cgroup.kill'), '1').catch(() => undefined);
    for (let round = 0; round < 200; round++) {
      let alive = 0;
      const lists = await Promise.all(this.dirs.map((dir) => readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')));
      for (const text of lists) {
        for (const pid of text.split('\n').filter(Boolean).map(Number)) {
          alive++;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      if (alive === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** CPU time the job used, in ms, or null where no cgroup measured it. */
  async cpuMs(): Promise<number | null> {
    if (!this.usage) return null;
    try {
      if (this.usage.version === 'cgroup-v1') return Math.round(Number(await readFile(path.join(this.usage.dir, 'cpuacct.usage'), 'utf8')) / 1e6);
      const stat = await readFile(path.join(this.usage.dir, 'cpu.stat'), 'utf8');
      const usec = /^usage_usec (\d+)$/m.exec(stat)?.[1];
      return usec === undefined ? null : Math.round(Number(usec) / 1000);
    } catch {
      return null;
    }
  }

  /** Whether the kernel's OOM killer killed a process of the job. */
  async oomKilled(): Promise<boolean> {
    if (!this.memory) return false;
    const file = this.memory.version === 'cgroup-v1' ? 'memory.oom_control' : 'memory.events';
    const text = await readFile(path.join(this.memory.dir, file), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0) > 0;
  }

  /** Removes the job's cgroups (after killAll); a cgroup is busy until its last process is reaped, so retry. */
  async remove(): Promise<void> {
    for (const dir of [...this.dirs].reverse()) {
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    }
  }
}
