/** What leaves the sandbox: regular files and directories only, within their cap. */
import { constants as fsConstants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Bounds the walks below: deeper directories are neither counted nor copied (copyOut lists them as discarded). */
const MAX_COPY_DEPTH = 32;

/** Bytes of regular files under `dir` (apparent sizes, so sparse files count in full). */
export async function usage(dir: string, depth = 0): Promise<number> {
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
export async function copyOut(from: string, to: string, cap: number, label: string, discarded: string[]): Promise<boolean> {
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
