/** What bubblewrap jobs need of this machine: its tools, whether the node runs as root, the sandbox user. */
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';

/** The user a root node runs algorithms as (nobody/nogroup on Debian). */
export const SANDBOX_USER = { uid: 65534, gid: 65534 } as const;

/** What to do when a tool is missing, and when this kernel refuses unprivileged namespaces. */
export const INSTALL_HINT = 'install bubblewrap and util-linux (`sudo apt-get install bubblewrap util-linux`), then retry';
export const USERNS_HINT =
  'allow unprivileged user namespaces (`sudo sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04+ also `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or run the provider node as root';

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** The whole environment of the tools around the algorithm (bwrap clears it for the algorithm itself). */
export const TOOL_ENV: NodeJS.ProcessEnv = { PATH: SYSTEM_PATH, NODE_ENV: process.env.NODE_ENV };
/** Staging directories and cgroups are named `datagora-sandbox-<node pid>-…`. */
export const STAGING_PREFIX = 'datagora-sandbox-';

export const isRoot = () => process.getuid?.() === 0;

/** Absolute path of `name` on the system PATH (and the usual sbin/bin directories), or undefined. */
export function findExecutable(name: string): string | undefined {
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

/** The programs a job runs with, at their absolute paths on this machine. */
export interface Tools {
  bwrap: string;
  prlimit: string;
  /** Runs the first process (dash cannot close file descriptors above 9). */
  bash: string;
  /** Arms the first process's parent-death signal (util-linux, like prlimit). */
  pdeathsig: string;
  /** Only under a root node, which drops to SANDBOX_USER with it inside the sandbox. */
  setpriv?: string;
}
