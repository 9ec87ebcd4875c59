/** bwrap's command line: namespaces and privileges, the mounts the algorithm sees, and the sandbox's /etc files. */
import { lstatSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATHS, type SandboxJob } from '../engine';
import { SandboxJobError } from '../errors';
import { isRoot, SANDBOX_USER, type Tools } from './host';

/** Namespaces and privileges: a root node keeps just what setpriv needs to drop to SANDBOX_USER. */
export function namespaceArgs(): string[] {
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
export function systemArgs(): string[] {
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
export function dropArgs(found: Tools): string[] {
  if (!found.setpriv) return [];
  const { uid, gid } = SANDBOX_USER;
  return [found.setpriv, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--'];
}

/** Where a command runs from inside the sandbox, and what must be bound for it (e.g. an nvm node outside /usr). */
export function resolveCommand(command: string): { exec: string; bind?: string } {
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

/** The sandbox's /etc files: a passwd and group naming only the sandbox user (tools that look it up work, no host account shows). */
export async function writeEtc(etc: string, uid: number, gid: number): Promise<void> {
  await mkdir(etc, { mode: 0o755 });
  await Promise.all([
    writeFile(path.join(etc, 'passwd'), `sandbox:x:${uid}:${gid}:sandbox:/tmp:/usr/sbin/nologin\n`, { mode: 0o644 }),
    writeFile(path.join(etc, 'group'), `sandbox:x:${gid}:\n`, { mode: 0o644 }),
    writeFile(path.join(etc, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n', { mode: 0o644 }),
  ]);
}

/** What the sandbox sees: read-only system, inputs and their descriptions, its two writable areas, memory-backed /tmp and /dev/shm. */
export function mountArgs(job: SandboxJob, where: { etc: string; outputs: string; logs: string; command: { bind?: string } }): string[] {
  const memoryArea = String(job.limits.memoryBytes);
  return [
    ...systemArgs(),
    '--perms', '0755', '--dir', '/etc',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives', // numpy finds its BLAS through these links
    '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
    '--ro-bind-try', '/etc/matplotlibrc', '/etc/matplotlibrc', // Debian's matplotlib refuses to import without it
    '--ro-bind', path.join(where.etc, 'passwd'), '/etc/passwd',
    '--ro-bind', path.join(where.etc, 'group'), '/etc/group',
    '--ro-bind', path.join(where.etc, 'hosts'), '/etc/hosts',
    '--proc', '/proc',
    '--dev', '/dev',
    '--perms', '1777', '--size', memoryArea, '--tmpfs', '/dev/shm',
    '--perms', '1777', '--size', memoryArea, '--tmpfs', '/tmp',
    '--perms', '0755', '--dir', '/data',
    '--ro-bind', job.inputs, SANDBOX_PATHS.inputs,
    ...(job.ddos ? ['--ro-bind', job.ddos, SANDBOX_PATHS.ddos] : []),
    '--perms', '0755', '--dir', SANDBOX_PATHS.transformations,
    '--ro-bind', job.algorithm, `${SANDBOX_PATHS.transformations}/${path.basename(job.algorithm)}`,
    '--bind', where.outputs, SANDBOX_PATHS.outputs,
    '--bind', where.logs, SANDBOX_PATHS.logs,
    ...(where.command.bind ? bindAt('--ro-bind', where.command.bind) : []),
    ...(job.gpu?.devices ?? []).flatMap((device) => bindAt('--dev-bind', device)),
    ...(job.gpu?.libraryDirs ?? []).flatMap((dir) => bindAt('--ro-bind', dir)),
    // Ocean's algorithms open `data/inputs/<id>/0` relative to their container's root.
    '--chdir', '/',
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
