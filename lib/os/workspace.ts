/**
 * Private, size-limited scratch areas for compute jobs: a tmpfs mount when this process may mount (root), so a
 * decrypted dataset never touches the disk and a full area fails writes instead of filling the node's disk;
 * otherwise a plain 0700 directory (the caller must then bound what is written some other way). The provider's
 * pipeline stages a job's dataset in one, and a sandbox engine its outputs and logs.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DatagoraError } from '../errors';

const run = promisify(execFile);

/** A workspace could not be created or removed. */
export class WorkspaceError extends DatagoraError {
  constructor(problem: string, hint: string, cause?: unknown) {
    super(problem, hint, { cause });
  }
}

/** A job's scratch area; `wipe()` unmounts and removes it and is safe to call more than once. */
export interface Workspace {
  dir: string;
  /** `tmpfs`: the size is enforced by the kernel; `directory`: it is not. */
  kind: 'tmpfs' | 'directory';
  wipe(): Promise<void>;
}

export interface WorkspaceOptions {
  /** Owner of the workspace's root directory (default: this process). Only root can give it away. */
  owner?: { uid: number; gid: number };
  /** Most files and directories the tmpfs may hold (default 65,536), so empty files cannot exhaust kernel memory. */
  maxEntries?: number;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Creates a private scratch directory under `parentDir` (created if missing) limited to `sizeBytes` when it can
 * be a tmpfs. The tmpfs is mounted nosuid, nodev, noexec. Always pair with `wipe()` in a `finally`.
 */
export async function createWorkspace(parentDir: string, sizeBytes: number, options: WorkspaceOptions = {}): Promise<Workspace> {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new WorkspaceError(`a workspace size must be a positive whole number of bytes, got ${sizeBytes}`, 'pass the size in bytes, e.g. 64 * 1024 * 1024');
  }
  await mkdir(parentDir, { recursive: true });
  const dir = await mkdtemp(path.join(parentDir, 'ws-'));
  let kind: Workspace['kind'] = 'directory';
  if (isRoot()) {
    const maxEntries = options.maxEntries ?? 65_536;
    // A tmpfs rounds its size up to whole pages; the mount itself is 0700 until chowned below.
    const flags = `size=${sizeBytes},nr_inodes=${maxEntries},mode=0700,nosuid,nodev,noexec`;
    try {
      await run('mount', ['-t', 'tmpfs', '-o', flags, 'datagora-workspace', dir]);
      kind = 'tmpfs';
    } catch {
      // No CAP_SYS_ADMIN (an unprivileged container) or no mount binary: a plain directory still works.
    }
  }
  if (options.owner) await chown(dir, options.owner.uid, options.owner.gid);

  let wiped = false;
  return {
    dir,
    kind,
    async wipe() {
      if (wiped) return;
      await removeWorkspace(dir);
      wiped = true;
    },
  };
}

/** Unmounts `dir` if it is a mount point, then removes it; for workspaces whose creator died before wiping them. */
export async function removeWorkspace(dir: string): Promise<void> {
  if (await isMountPoint(dir)) await unmount(dir);
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    throw new WorkspaceError(`could not remove the workspace ${dir}`, 'remove it by hand (it may hold decrypted data)', error);
  }
}

/** Unmounts `dir`; a busy mount is detached lazily (the kernel frees it when its last user goes). */
async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir]);
    return;
  } catch (error) {
    if (!(await isMountPoint(dir))) return;
    try {
      await run('umount', ['-l', dir]);
    } catch (lazyError) {
      throw new WorkspaceError(`could not unmount the workspace ${dir}`, `run \`umount -l ${dir}\` as root; its contents stay in memory until then`, lazyError ?? error);
    }
  }
}

/** Whether `dir` is the root of a mount (its device differs from its parent's). */
async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [own, parent] = await Promise.all([stat(dir), stat(path.dirname(dir))]);
    return own.dev !== parent.dev;
  } catch {
    return false;
  }
}
