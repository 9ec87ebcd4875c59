/**
 * Runs a buyer's algorithm in a bubblewrap sandbox: no network, nothing of the host but read-only /usr, the
 * dataset (read-only at /data/inputs), the algorithm (read-only at /data/transformations) and two size-limited
 * writable areas (/data/outputs, /data/logs), as an unprivileged user, under memory, CPU, process and time
 * limits. Every process of the job is gone when runInSandbox resolves.
 *
 * How, when the node runs as root (a provider node): bwrap sets up the namespaces and mounts as root, then
 * setpriv drops to the dedicated sandbox user (uid/gid 65534) with no capabilities and no_new_privs before the
 * algorithm starts; limits come from child cgroups of the node's own cgroups (v1 or v2, whichever is writable)
 * plus prlimit; outputs and logs are staged on private tmpfs mounts and copied out after the run, regular files
 * only (links could otherwise make the node read host files as "outputs").
 * When it runs unprivileged (a developer's machine, CI): bwrap in a user namespace as the caller's own uid, and
 * whatever of the above needs no privilege; `SandboxResult.enforced` says which mechanism held each limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, fstatSync, ftruncateSync, lstatSync, openSync, realpathSync, writeSync } from 'node:fs';
import { copyFile, chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SandboxJobError, SandboxUnavailableError } from './errors';
import { processAlive } from '../os/process';
import { createWorkspace, removeWorkspace, type Workspace } from './workspace';

export { createWorkspace, removeWorkspace, type Workspace, type WorkspaceOptions } from './workspace';

/** The user a root node runs algorithms as (nobody/nogroup on Debian). */
export const SANDBOX_USER = { uid: 65534, gid: 65534 } as const;

/** Where the algorithm finds things inside the sandbox (Ocean's compute-to-data layout). */
export const SANDBOX_PATHS = {
  inputs: '/data/inputs',
  transformations: '/data/transformations',
  outputs: '/data/outputs',
  logs: '/data/logs',
} as const;

/** The file in the logs directory that receives the algorithm's stdout and stderr. */
export const ALGORITHM_LOG = 'algorithm.log';
/** Appended to algorithm.log when the log budget ran out. */
export const LOG_TRUNCATED_MARKER = '\n[datagora: log truncated: the log limit was reached]\n';

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
  /** The only environment the algorithm sees, besides PATH, HOME and LANG (which it may override). */
  env?: Record<string, string>;
  /** Host directory bound read-only at /data/inputs; must be readable by the sandbox user. */
  inputs: string;
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

const INSTALL_HINT = 'install bubblewrap and util-linux (`sudo apt-get install bubblewrap util-linux`), then retry';
const USERNS_HINT =
  'allow unprivileged user namespaces (`sudo sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04+ also `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or run the provider node as root';
/** bwrap's own two processes (the outer monitor and the namespace's init) count against pids.max. */
const SANDBOX_OWN_PROCESSES = 2;
const OPEN_FILES = 4096;
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** The whole environment of the tools around the algorithm (bwrap clears it for the algorithm itself). */
const TOOL_ENV: NodeJS.ProcessEnv = { PATH: SYSTEM_PATH, NODE_ENV: process.env.NODE_ENV };
/** Staging directories and cgroups are named `datagora-sandbox-<node pid>-…`. */
const STAGING_PREFIX = 'datagora-sandbox-';
const STALE = new RegExp(`^${STAGING_PREFIX}(\\d+)-`);
const WATCH_INTERVAL_MS = 200;
const MAX_COPY_DEPTH = 32;

// ---------------------------------------------------------------------------------------------------------------
// Support check

const isRoot = () => process.getuid?.() === 0;

/** Absolute path of `name` on the system PATH (and the usual sbin/bin directories), or undefined. */
function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

interface Tools {
  bwrap: string;
  prlimit: string;
  /** Runs the first process (dash cannot close file descriptors above 9). */
  bash: string;
  /** Arms the first process's parent-death signal (util-linux, like prlimit). */
  pdeathsig: string;
  /** Only under a root node, which drops to SANDBOX_USER with it inside the sandbox. */
  setpriv?: string;
}

type Support = { ok: true } | { ok: false; reason: string; hint: string };

let verified: Tools | undefined;

/** Finds the tools and runs /bin/true in a minimal sandbox; resolves the tools or a reason and hint. */
async function probe(): Promise<{ tools: Tools } | { reason: string; hint: string }> {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return { reason: 'bubblewrap (bwrap) is not installed', hint: INSTALL_HINT };
  const prlimit = findExecutable('prlimit');
  if (!prlimit) return { reason: 'prlimit (util-linux) is not installed', hint: INSTALL_HINT };
  // --disable-userns, and --size/--perms for tmpfs, arrived in bubblewrap 0.8.
  const version = await new Promise<string>((resolve) => {
    let text = '';
    const child = spawn(bwrap, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], env: TOOL_ENV });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('error', () => resolve(''));
    child.once('close', () => resolve(text.trim()));
  });
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  if (major === 0 && minor < 8) return { reason: `${version || 'bwrap'} is too old: the sandbox needs bubblewrap 0.8 or newer`, hint: INSTALL_HINT };
  const bash = findExecutable('bash');
  if (!bash) return { reason: 'bash is not installed', hint: 'install bash (`sudo apt-get install bash`), then retry' };
  const setpriv = findExecutable('setpriv');
  if (!setpriv) return { reason: 'setpriv (util-linux) is not installed', hint: INSTALL_HINT };
  const tools: Tools = { bwrap, prlimit, bash, pdeathsig: setpriv };
  if (isRoot()) {
    if (!realpathSync(setpriv).startsWith('/usr/')) return { reason: `setpriv at ${setpriv} is outside /usr, so the sandbox cannot run it`, hint: INSTALL_HINT };
    tools.setpriv = setpriv;
  }
  const filter = syscallFilter();
  const args = [...namespaceArgs(), ...(filter ? ['--seccomp', '3'] : []), ...systemArgs(), '--proc', '/proc', '--dev', '/dev', '--', ...dropArgs(tools), '/bin/true'];
  const result = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(bwrap, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: TOOL_ENV });
    const filterPipe = child.stdio[3] as Writable;
    filterPipe.on('error', () => undefined); // bwrap may fail before reading it: its stderr says why
    filterPipe.end(filter ?? Buffer.alloc(0));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error) => resolve({ code: null, stderr, error }));
    child.once('close', (code) => resolve({ code, stderr }));
  });
  if (result.code === 0) return { tools };
  const detail = (result.error?.message ?? result.stderr.trim()) || `exit code ${result.code}`;
  const namespaces = /namespace|permission|operation not permitted/i.test(detail);
  return { reason: `bubblewrap cannot start a sandbox here: ${detail}`, hint: namespaces ? USERNS_HINT : INSTALL_HINT };
}

/**
 * Whether this machine can run sandboxed jobs (bwrap and util-linux present, namespaces allowed), checked by
 * starting one. A success is remembered for the life of the process; a failure is checked again next time.
 */
export async function sandboxSupport(): Promise<Support> {
  if (verified) return { ok: true };
  const found = await probe();
  if ('tools' in found) {
    verified = found.tools;
    await sweepStaleSandboxes().catch(() => undefined); // once per process: what a killed predecessor left
    return { ok: true };
  }
  return { ok: false, reason: found.reason, hint: found.hint };
}

async function tools(): Promise<Tools> {
  const support = await sandboxSupport();
  if (!support.ok) throw new SandboxUnavailableError(support.reason, support.hint);
  return verified!;
}

// ---------------------------------------------------------------------------------------------------------------
// bwrap arguments

/** Namespaces and privileges: a root node keeps just what setpriv needs to drop to SANDBOX_USER. */
function namespaceArgs(): string[] {
  const common = ['--die-with-parent', '--new-session', '--hostname', 'sandbox', '--clearenv'];
  if (isRoot()) {
    // No user namespace: setpriv inside must be able to become SANDBOX_USER, a real host uid.
    return [
      '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
      '--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP',
      ...common,
    ];
  }
  return ['--unshare-all', '--unshare-user', '--disable-userns', '--cap-drop', 'ALL', ...common];
}

/** Read-only /usr and the merged-/usr links (or directories, on systems without merged /usr). */
function systemArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32']) {
    try {
      const info = lstatSync(top);
      if (info.isSymbolicLink()) args.push('--symlink', realpathSync(top).replace(/^\//, ''), top);
      else if (info.isDirectory()) args.push('--ro-bind', top, top);
    } catch {
      // not on this system
    }
  }
  return args;
}

/** What runs just before the algorithm: setpriv dropping to SANDBOX_USER with nothing left to regain privileges. */
function dropArgs(found: Tools): string[] {
  if (!found.setpriv) return [];
  const { uid, gid } = SANDBOX_USER;
  return [found.setpriv, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--'];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a command runs from inside the sandbox, and what must be bound for it (e.g. an nvm node outside /usr). */
function resolveCommand(command: string): { exec: string; bind?: string } {
  if (!path.isAbsolute(command) || command.startsWith('/data/')) return { exec: command };
  let real: string;
  try {
    real = realpathSync(command);
  } catch {
    throw new SandboxJobError(`the program ${command} does not exist`, 'pass the absolute path of an installed interpreter, e.g. /usr/bin/python3');
  }
  const visible = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib64/'].some((prefix) => command.startsWith(prefix));
  if (real.startsWith('/usr/')) return { exec: visible ? command : real };
  return { exec: real, bind: real };
}

// ---------------------------------------------------------------------------------------------------------------
// Syscall filter

/** Syscall numbers the filter needs, per architecture (audit arch → numbers). */
const SYSCALLS: Record<string, { arch: number; clone: number; unshare: number; clone3: number; unavailable: number[] }> = {
  // keyctl family, perf_event_open, bpf, userfaultfd, io_uring: kernel surface no algorithm needs.
  x64: { arch: 0xc000003e, clone: 56, unshare: 272, clone3: 435, unavailable: [248, 249, 250, 298, 321, 323, 425, 426, 427] },
  arm64: { arch: 0xc00000b7, clone: 220, unshare: 97, clone3: 435, unavailable: [217, 218, 219, 241, 280, 282, 425, 426, 427] },
};

/**
 * A seccomp program (classic BPF, as bwrap --seccomp reads it) that refuses new user namespaces: under a root
 * node the algorithm runs in the host's user namespace, where it could otherwise make one and hold every
 * capability inside it, a large kernel attack surface. clone3 answers ENOSYS (its flags cannot be inspected, and
 * libc then falls back to clone); syscalls of other ABIs (x32, i386) are refused. Undefined on other CPUs.
 */
function syscallFilter(): Buffer | undefined {
  const table = SYSCALLS[process.arch];
  if (!table) return undefined;
  const LD_W_ABS = 0x20;
  const JEQ = 0x15;
  const JGE = 0x35;
  const JSET = 0x45;
  const RET = 0x06;
  const ALLOW = 0x7fff0000;
  const errno = (code: number) => 0x00050000 | code;
  const { EPERM, ENOSYS } = os.constants.errno;
  const CLONE_NEWUSER = 0x10000000;
  // Instructions with symbolic jump targets, resolved below.
  type Op = { code: number; k: number; jt?: string; jf?: string; label?: string };
  const program: Op[] = [
    { code: LD_W_ABS, k: 4 }, // arch
    { code: JEQ, k: table.arch, jf: 'eperm' },
    { code: LD_W_ABS, k: 0 }, // syscall number
    { code: JGE, k: 0x40000000, jt: 'eperm' }, // x32 ABI
    { code: JEQ, k: table.clone3, jt: 'enosys' },
    ...table.unavailable.map((nr): Op => ({ code: JEQ, k: nr, jt: 'enosys' })),
    { code: JEQ, k: table.unshare, jt: 'flags' },
    { code: JEQ, k: table.clone, jt: 'flags' },
    { code: RET, k: ALLOW },
    { code: LD_W_ABS, k: 16, label: 'flags' }, // low 32 bits of the first argument
    { code: JSET, k: CLONE_NEWUSER, jt: 'eperm' },
    { code: RET, k: ALLOW },
    { code: RET, k: errno(ENOSYS), label: 'enosys' },
    { code: RET, k: errno(EPERM), label: 'eperm' },
  ];
  const at = new Map(program.flatMap((op, index) => (op.label ? [[op.label, index] as const] : [])));
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((op, index) => {
    const jump = (label?: string) => (label === undefined ? 0 : at.get(label)! - index - 1);
    buffer.writeUInt16LE(op.code, index * 8);
    buffer.writeUInt8(jump(op.jt), index * 8 + 2);
    buffer.writeUInt8(jump(op.jf), index * 8 + 3);
    buffer.writeUInt32LE(op.k >>> 0, index * 8 + 4);
  });
  return buffer;
}

// ---------------------------------------------------------------------------------------------------------------
// cgroups

type Controller = 'memory' | 'pids' | 'cpu' | 'cpuacct';
const CONTROLLERS: Controller[] = ['memory', 'pids', 'cpu', 'cpuacct'];

/** This process's own cgroup directory per v1 controller, and its v2 directory, from mountinfo and /proc/self/cgroup. */
async function ownCgroups(): Promise<{ v1: Map<Controller, string>; v2?: string }> {
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
class JobCgroups {
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

// ---------------------------------------------------------------------------------------------------------------
// Outputs and logs

/** Bytes of regular files under `dir` (apparent sizes, so sparse files count in full). */
async function usage(dir: string, depth = 0): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && depth < MAX_COPY_DEPTH) total += await usage(full, depth + 1);
    else if (entry.isFile()) total += (await lstat(full).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/**
 * Copies regular files and directories from `from` into `to`, at most `cap` bytes in all, each inode once;
 * records everything else in `discarded` (as `label/relative path (why)`). Resolves whether the cap was hit.
 */
async function copyOut(from: string, to: string, cap: number, label: string, discarded: string[]): Promise<boolean> {
  let copied = 0;
  let overflow = false;
  const seen = new Set<string>();
  const walk = async (source: string, target: string, depth: number): Promise<void> => {
    const entries = await readdir(source).catch(() => []);
    for (const name of entries.sort()) {
      const src = path.join(source, name);
      const dst = path.join(target, name);
      const shown = `${label}/${path.relative(from, src)}`;
      const info = await lstat(src).catch(() => undefined);
      if (!info) continue;
      if (info.isDirectory()) {
        if (depth >= MAX_COPY_DEPTH) {
          discarded.push(`${shown} (nested too deep)`);
          continue;
        }
        await mkdir(dst, { recursive: true, mode: 0o755 });
        await walk(src, dst, depth + 1);
      } else if (info.isFile()) {
        const inode = `${info.dev}:${info.ino}`;
        if (seen.has(inode)) {
          discarded.push(`${shown} (hard link to a file already copied)`);
          continue;
        }
        seen.add(inode);
        if (copied + info.size > cap) {
          discarded.push(`${shown} (over the ${label} limit)`);
          overflow = true;
          continue;
        }
        try {
          await copyFile(src, dst, fsConstants.COPYFILE_EXCL);
          await chmod(dst, 0o644);
          copied += info.size;
        } catch (error) {
          discarded.push(`${shown} (${(error as NodeJS.ErrnoException).code ?? 'copy failed'})`);
        }
      } else {
        const kind = info.isSymbolicLink() ? 'symbolic link' : info.isFIFO() ? 'named pipe' : info.isSocket() ? 'socket' : 'special file';
        discarded.push(`${shown} (${kind})`);
      }
    }
  };
  await mkdir(to, { recursive: true });
  await walk(from, to, 0);
  return overflow;
}

/** algorithm.log: stdout and stderr in arrival order, within the log budget, with a marker when cut. */
class AlgorithmLog {
  private readonly fd: number;
  private written = 0;
  truncated = false;

  constructor(
    file: string,
    private readonly budget: number,
  ) {
    this.fd = openSync(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW, 0o644);
  }

  write(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.budget - LOG_TRUNCATED_MARKER.length - this.written;
    const piece = chunk.byteLength > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
    try {
      for (let offset = 0; offset < piece.byteLength; ) offset += writeSync(this.fd, piece, offset);
      this.written += piece.byteLength;
    } catch {
      this.truncated = true; // ENOSPC: the algorithm's own files filled /data/logs
      return;
    }
    if (piece !== chunk) this.truncated = true;
  }

  /** Appends the marker if the log was cut, making room for it at the end of the file if the area is full. */
  close(): void {
    try {
      if (this.truncated) {
        const marker = Buffer.from(LOG_TRUNCATED_MARKER);
        try {
          writeSync(this.fd, marker);
        } catch {
          const size = fstatSync(this.fd).size;
          if (size >= marker.byteLength) {
            ftruncateSync(this.fd, size - marker.byteLength);
            writeSync(this.fd, marker, 0, marker.byteLength, size - marker.byteLength);
          }
        }
      }
    } catch {
      // best effort: the log is informational
    } finally {
      closeSync(this.fd);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running

function validate(job: SandboxJob): void {
  const bad = (problem: string, hint: string) => new SandboxJobError(problem, hint);
  if (job.command.length === 0 || !job.command[0]) throw bad('the job has no command', 'pass the interpreter and the algorithm, e.g. ["/usr/bin/python3", "/data/transformations/algorithm.py"]');
  for (const [label, value] of Object.entries({ inputs: job.inputs, algorithm: job.algorithm, outputs: job.outputs, logs: job.logs })) {
    if (!path.isAbsolute(value)) throw bad(`${label} must be an absolute path, got ${value}`, 'resolve it with path.resolve() first');
  }
  for (const name of Object.keys(job.env ?? {})) {
    if (!ENV_NAME.test(name)) throw bad(`"${name}" is not a valid environment variable name`, 'use letters, digits and underscores, not starting with a digit');
  }
  for (const value of [...Object.values(job.env ?? {}), ...job.command, job.inputs, job.algorithm, job.outputs, job.logs]) {
    if (value.includes('\0')) throw bad('the command, a path or the environment contains a NUL byte', 'remove it');
  }
  const { limits } = job;
  const positive: (keyof SandboxLimits)[] = ['wallSeconds', 'memoryBytes', 'cpus', 'processes', 'outputBytes', 'logBytes'];
  for (const key of positive) {
    if (!Number.isFinite(limits[key]) || limits[key] <= 0) throw bad(`limits.${key} must be a positive number, got ${limits[key]}`, 'set every limit');
  }
  for (const key of ['memoryBytes', 'processes', 'outputBytes', 'logBytes'] as const) {
    if (!Number.isSafeInteger(limits[key])) throw bad(`limits.${key} must be a whole number, got ${limits[key]}`, 'round it');
  }
  if (limits.logBytes <= LOG_TRUNCATED_MARKER.length) throw bad(`limits.logBytes is too small (${limits.logBytes})`, 'allow at least a few KiB of logs');
  for (const device of job.gpu?.devices ?? []) {
    if (!/^\/dev\/[A-Za-z0-9_\-/]+$/.test(device) || device.includes('..')) throw bad(`${device} is not a device node under /dev`, 'pass /dev/nvidia* paths');
  }
  for (const dir of job.gpu?.libraryDirs ?? []) {
    if (!path.isAbsolute(dir) || dir.startsWith('/data')) throw bad(`${dir} is not an absolute library directory`, 'pass the CUDA library directories, e.g. /usr/lib/x86_64-linux-gnu');
  }
}

/** Whether uid/gid may read (and for directories, enter) `file`, from its mode bits. */
function readableBy(info: { uid: number; gid: number; mode: number; isDirectory(): boolean }, uid: number, gid: number): boolean {
  const need = info.isDirectory() ? 0o5 : 0o4;
  const bits = info.uid === uid ? (info.mode >> 6) & 7 : info.gid === gid ? (info.mode >> 3) & 7 : info.mode & 7;
  return (bits & need) === need;
}

async function checkSources(job: SandboxJob, dropsPrivileges: boolean): Promise<void> {
  const inputs = await stat(job.inputs).catch(() => undefined);
  if (!inputs?.isDirectory()) throw new SandboxJobError(`the inputs directory ${job.inputs} does not exist`, 'create it and put the dataset in it');
  const algorithm = await stat(job.algorithm).catch(() => undefined);
  if (!algorithm?.isFile()) throw new SandboxJobError(`the algorithm ${job.algorithm} is not a file`, 'pass the path of the algorithm file');
  if (path.basename(job.algorithm).startsWith('.')) throw new SandboxJobError(`the algorithm's name ${path.basename(job.algorithm)} starts with a dot`, 'give it a plain name such as algorithm.py');
  for (const item of [...(job.gpu?.devices ?? []), ...(job.gpu?.libraryDirs ?? [])]) {
    if (!(await stat(item).catch(() => undefined))) throw new SandboxJobError(`${item} does not exist`, 'pass only the GPU devices and library directories this machine has');
  }
  if (!dropsPrivileges) return;
  const { uid, gid } = SANDBOX_USER;
  for (const [what, info, where] of [['inputs directory', inputs, job.inputs], ['algorithm', algorithm, job.algorithm]] as const) {
    if (!readableBy(info, uid, gid)) {
      throw new SandboxJobError(
        `the ${what} ${where} is not readable by the sandbox user (uid ${uid})`,
        `make it readable by uid/gid ${uid}, e.g. \`chmod o+rX\` or \`chgrp -R ${gid}\` with group read (the directories above it need not be)`,
      );
    }
  }
}

/** Signal number → name; the first name wins where two share a number (SIGABRT, not SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(os.constants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);

/**
 * The job's first process, started before its sandbox is prepared: joining cgroups costs the kernel a
 * grace period (10–20 ms on an idle machine), spent while the node mounts the job's areas. setpriv arms its
 * parent-death signal before bash starts, and bash exits unless its parent is still the node (`$1`). Parent-death
 * signals still leave a window (bwrap's sandboxed child arms its own only after it is cloned), so a watcher forked
 * before the join, outside the job's cgroups, waits for the node's end of fd 6 to close — the node ended the job,
 * or died — and then kills whatever is left in them. The first process joins the job's cgroups, so nothing forks
 * outside them; closes every file descriptor the node inherited from its own parent without close-on-exec (all
 * but stdio, the filter on fd 4 and the command on fd 5); then reads the prlimit and bwrap command line,
 * NUL-separated, from fd 5 and execs it. Join failures are reported on fd 3.
 */
const FIRST_PROCESS = [
  '[ "$PPID" = "$1" ] || exit 125; shift',
  'procs=("${@:2:$1}")',
  'if [ ${#procs[@]} -gt 0 ]; then',
  '  ( exec </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&-; read -r -u 6 _',
  '    for round in {1..500}; do pids=$(cat "${procs[@]}" 2>/dev/null); [ -n "$pids" ] || exit 0; kill -KILL $pids 2>/dev/null; sleep 0.01; done ) &',
  'fi',
  'exec 6<&-',
  'for file in "${procs[@]}"; do echo $$ > "$file" 2>/dev/null || { echo "cannot join $file" >&3; exit 125; }; done',
  'exec 3>&-',
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; case $fd in 0|1|2|4|5) ;; *) [ -e /proc/$$/fd/$fd ] && exec {fd}>&- ;; esac; done',
  "mapfile -d '' -u 5 command; exec 5<&-",
  '[ ${#command[@]} -gt 0 ] || exit 0',
  'exec "${command[@]}"',
].join('\n');

/**
 * Runs `job.command` in a fresh sandbox and resolves when every process of it is gone and its outputs and logs
 * are copied out. Throws SandboxUnavailableError (no bwrap) or SandboxJobError (a bad job); the algorithm's own
 * failures are results, never exceptions.
 */
export async function runInSandbox(job: SandboxJob): Promise<SandboxResult> {
  validate(job);
  const found = await tools();
  const root = isRoot();
  const dropsPrivileges = found.setpriv !== undefined;
  await checkSources(job, dropsPrivileges);
  const uid = dropsPrivileges ? SANDBOX_USER.uid : (process.getuid?.() ?? SANDBOX_USER.uid);
  const gid = dropsPrivileges ? SANDBOX_USER.gid : (process.getgid?.() ?? SANDBOX_USER.gid);
  const { limits } = job;
  const command = resolveCommand(job.command[0]!);

  const started = performance.now();
  // Named after this process, so a later node can tell what a killed one left behind (sweepStaleSandboxes).
  const staging = await mkdtemp(path.join(os.tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const workspaces: Workspace[] = [];
  let cgroups: JobCgroups | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let log: AlgorithmLog | undefined;
  try {
    cgroups = await JobCgroups.create(`${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`, limits);
    const filter = syscallFilter();
    const procsFiles = cgroups.procsFiles();
    let setupError = '';
    // fd 3: join errors; fd 4: the seccomp program, read by bwrap; fd 5: the command line; fd 6: the watcher's.
    const first = spawn(found.pdeathsig, ['--pdeathsig', 'KILL', '--', found.bash, '-c', FIRST_PROCESS, 'datagora-sandbox', String(process.pid), String(procsFiles.length), ...procsFiles], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: TOOL_ENV,
    });
    child = first;
    exited = new Promise((resolve, reject) => {
      first.once('error', (error) => reject(new SandboxUnavailableError(`the sandbox could not be started: ${error.message}`, INSTALL_HINT, error)));
      first.once('exit', (code, signal) => resolve({ code, signal }));
    });
    exited.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
    const [, stdout, stderr, setup, filterPipe, commandPipe, watchPipe] = first.stdio as unknown as [null, Readable, Readable, Readable, Writable, Writable, Writable];
    // The first process may die before reading its pipes (a join failure, a kill): that is reported, not thrown.
    for (const pipe of [filterPipe, commandPipe, setup, watchPipe]) pipe.on('error', () => undefined);
    // Once bwrap is gone the node kills what is left itself; closing fd 6 then lets the watcher go too.
    void exited.finally(() => watchPipe.destroy()).catch(() => undefined);
    filterPipe.end(filter ?? Buffer.alloc(0));
    setup.setEncoding('utf8').on('data', (text: string) => (setupError += text));

    // Meanwhile: the private areas (tmpfs where the node may mount) and the sandbox's /etc files.
    const owner = root ? { owner: { uid, gid } } : {};
    const areas = await Promise.allSettled([createWorkspace(staging, limits.outputBytes, owner), createWorkspace(staging, limits.logBytes, owner)]);
    for (const area of areas) if (area.status === 'fulfilled') workspaces.push(area.value);
    for (const area of areas) if (area.status === 'rejected') throw area.reason;
    const [outputs, logs] = workspaces as [Workspace, Workspace];
    // Both areas must be tmpfs for the kernel to bound them; otherwise a watcher and RLIMIT_FSIZE do.
    const outputMode: SandboxEnforcement['output'] = outputs.kind === 'tmpfs' && logs.kind === 'tmpfs' ? 'tmpfs' : 'rlimit+watch';
    const etc = path.join(staging, 'etc');
    await writeEtc(etc, uid, gid);
    log = new AlgorithmLog(path.join(logs.dir, ALGORITHM_LOG), limits.logBytes);
    const algorithmLog = log;
    stdout.on('data', (chunk: Buffer) => algorithmLog.write(chunk));
    stderr.on('data', (chunk: Buffer) => algorithmLog.write(chunk));

    const enforced: SandboxEnforcement = {
      memory: cgroups.memory?.version ?? 'rlimit',
      processes: cgroups.pids?.version ?? 'rlimit',
      cpu: cgroups.cpu?.version ?? 'none',
      output: outputMode,
      syscallFilter: filter !== undefined,
      uid,
    };
    const bwrapArgs = [
      ...namespaceArgs(),
      ...(filter ? ['--seccomp', '4'] : []),
      ...Object.entries({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', ...job.env }).flatMap(([name, value]) => ['--setenv', name, value]),
      ...mountArgs(job, { etc, outputs: outputs.dir, logs: logs.dir, command }),
      '--',
      ...dropArgs(found),
      command.exec,
      ...job.command.slice(1),
    ];
    // No file may outgrow its area; with tmpfs areas the kernel already bounds them, so only /tmp is concerned.
    const fileCap = outputMode === 'tmpfs' ? Math.max(limits.outputBytes, limits.logBytes, limits.memoryBytes) : Math.max(limits.outputBytes, limits.logBytes);
    const prlimitArgs = [
      '--core=0',
      `--nofile=${OPEN_FILES}`,
      `--fsize=${Math.ceil(fileCap)}`,
      // RLIMIT_DATA rather than RLIMIT_AS: V8 reserves far more address space than it uses, so node dies under AS.
      ...(cgroups.memory ? [] : [`--data=${limits.memoryBytes}`]),
      // RLIMIT_NPROC counts every task of the uid on the machine: on top of those it already has.
      ...(cgroups.pids ? [] : [`--nproc=${limits.processes + (await tasksOf(uid))}`]),
    ];
    commandPipe.end([found.prlimit, ...prlimitArgs, '--', found.bwrap, ...bwrapArgs].map((arg) => `${arg}\0`).join(''));

    let reason: 'timeout' | 'cancelled' | 'output-limit' | undefined;
    const stop = (why: NonNullable<typeof reason>) => {
      reason ??= why;
      first.kill('SIGKILL');
      void cgroups?.killAll();
    };
    const timer = setTimeout(() => stop('timeout'), limits.wallSeconds * 1000);
    const onAbort = () => stop('cancelled');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    if (job.signal?.aborted) onAbort();
    let watching = false;
    const watcher =
      outputMode === 'rlimit+watch'
        ? setInterval(() => {
            if (watching) return;
            watching = true;
            void Promise.all([usage(outputs.dir), usage(logs.dir)])
              .then(([out, logged]) => {
                if (out > limits.outputBytes || logged > limits.logBytes) stop('output-limit');
              })
              .finally(() => (watching = false));
          }, WATCH_INTERVAL_MS)
        : undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      exit = await exited;
      exited = undefined;
      // Anything that outlived bwrap (there should be nothing: its pid namespace is gone) dies now.
      await cgroups.killAll();
      await drained(first);
    } finally {
      clearTimeout(timer);
      if (watcher) clearInterval(watcher);
      job.signal?.removeEventListener('abort', onAbort);
      log.close();
      log = undefined;
    }
    const wallMs = Math.round(performance.now() - started);
    if (setupError) throw new SandboxUnavailableError(`the sandbox could not be set up: ${setupError.trim()}`, 'check that the node may write to its cgroups, or run it unprivileged');

    const [cpuMs, oom] = await Promise.all([cgroups.cpuMs(), cgroups.oomKilled()]);
    const removed = cgroups.remove();
    cgroups = undefined;

    // bwrap reports a signalled algorithm as 128 + the signal number.
    let exitCode = exit.code;
    let signal: string | null = exit.signal;
    if (exitCode !== null && exitCode > 128 && SIGNAL_NAMES.has(exitCode - 128)) {
      signal = SIGNAL_NAMES.get(exitCode - 128)!;
      exitCode = null;
    }
    // A full tmpfs (no block or no inode left) means writes were refused at the cap.
    const space = outputMode === 'tmpfs' ? await statfs(outputs.dir) : undefined;
    const outputsFull = space !== undefined && (space.bavail === 0 || space.ffree === 0);
    const discarded: string[] = [];
    const [overflow] = await Promise.all([
      copyOut(outputs.dir, job.outputs, limits.outputBytes, 'outputs', discarded),
      copyOut(logs.dir, job.logs, limits.logBytes, 'logs', discarded),
      removed,
    ]);

    const outcome: SandboxResult['outcome'] =
      reason === 'cancelled' || reason === 'timeout'
        ? reason
        : oom
          ? 'memory'
          : reason === 'output-limit' || signal === 'SIGXFSZ' || outputsFull || overflow
            ? 'output-limit'
            : signal !== null
              ? 'killed'
              : 'exited';
    return { outcome, exitCode, signal, wallMs, cpuMs, enforced, discarded: discarded.sort() };
  } finally {
    // On a failure before the run ended: the first process may still wait for its command line.
    if (child && exited) {
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
    }
    log?.close();
    if (cgroups) {
      await cgroups.killAll();
      await cgroups.remove();
    }
    await Promise.all(workspaces.map((workspace) => workspace.wipe().catch(() => undefined)));
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

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

/** Tasks (threads included, as RLIMIT_NPROC counts them) that `uid` runs on this machine now. */
async function tasksOf(uid: number): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return count;
}

/** The sandbox's /etc files: a passwd and group naming only the sandbox user (tools that look it up work, no host account shows). */
async function writeEtc(etc: string, uid: number, gid: number): Promise<void> {
  await mkdir(etc, { mode: 0o755 });
  await Promise.all([
    writeFile(path.join(etc, 'passwd'), `sandbox:x:${uid}:${gid}:sandbox:/tmp:/usr/sbin/nologin\n`, { mode: 0o644 }),
    writeFile(path.join(etc, 'group'), `sandbox:x:${gid}:\n`, { mode: 0o644 }),
    writeFile(path.join(etc, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n', { mode: 0o644 }),
  ]);
}

/** What the sandbox sees: read-only system and inputs, its two writable areas, memory-backed /tmp and /dev/shm. */
function mountArgs(job: SandboxJob, where: { etc: string; outputs: string; logs: string; command: { bind?: string } }): string[] {
  const memoryArea = String(job.limits.memoryBytes);
  return [
    ...systemArgs(),
    '--perms', '0755', '--dir', '/etc',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives', // numpy finds its BLAS through these links
    '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
    '--ro-bind', path.join(where.etc, 'passwd'), '/etc/passwd',
    '--ro-bind', path.join(where.etc, 'group'), '/etc/group',
    '--ro-bind', path.join(where.etc, 'hosts'), '/etc/hosts',
    '--proc', '/proc',
    '--dev', '/dev',
    '--perms', '1777', '--size', memoryArea, '--tmpfs', '/dev/shm',
    '--perms', '1777', '--size', memoryArea, '--tmpfs', '/tmp',
    '--perms', '0755', '--dir', '/data',
    '--ro-bind', job.inputs, SANDBOX_PATHS.inputs,
    '--perms', '0755', '--dir', SANDBOX_PATHS.transformations,
    '--ro-bind', job.algorithm, `${SANDBOX_PATHS.transformations}/${path.basename(job.algorithm)}`,
    '--bind', where.outputs, SANDBOX_PATHS.outputs,
    '--bind', where.logs, SANDBOX_PATHS.logs,
    ...(where.command.bind ? bindAt('--ro-bind', where.command.bind) : []),
    ...(job.gpu?.devices ?? []).flatMap((device) => bindAt('--dev-bind', device)),
    ...(job.gpu?.libraryDirs ?? []).flatMap((dir) => bindAt('--ro-bind', dir)),
    '--chdir', '/tmp',
  ];
}

/**
 * Binds `where` at the same path inside, creating its missing parents world-readable (bwrap would make them
 * root-only, and the sandbox user could not reach what is bound there).
 */
function bindAt(how: '--ro-bind' | '--dev-bind', where: string): string[] {
  const parents: string[] = [];
  for (let dir = path.dirname(where); dir !== '/' && dir !== '/usr' && !dir.startsWith('/usr/'); dir = path.dirname(dir)) parents.unshift(dir);
  return [...parents.filter((dir) => dir !== '/dev').flatMap((dir) => ['--perms', '0755', '--dir', dir]), how, where, where];
}

/** Resolves once the child's stdout and stderr are read to the end (at most 2 s after its exit: nothing of it should hold them). */
function drained(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) return resolve();
    const guard = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve();
    }, 2000);
    child.once('close', () => {
      clearTimeout(guard);
      resolve();
    });
  });
}
