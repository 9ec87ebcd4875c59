/**
 * Listing what a job would release, without following anything out of its directories: regular files are
 * listed, directories descended; symbolic links, FIFOs, sockets and devices are reported, never opened.
 *
 * Every entry is numbered (`outputs entry #3`: the 3rd entry met walking depth first, names sorted) and its
 * name kept apart: names are the algorithm's own text, so findings say where by number, and the names of
 * every entry — refused ones included — go through the leak scan like a file's content.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface ReleasedFile {
  /** Absolute path. */
  path: string;
  /** What findings call it: `outputs entry #n` or `logs entry #n`. */
  label: string;
  /** Its path under the outputs or logs directory: algorithm-chosen text, never put in a finding. */
  name: string;
  /** Whether it lies under the outputs directory (the minimum group size rule reads only those). */
  output: boolean;
  size: number;
}

export interface Refusal {
  /** `outputs entry #n`, or `outputs` / `logs` for the directory itself. */
  label: string;
  /** Why, in the guard's words only. */
  detail: string;
}

export interface Listing {
  files: ReleasedFile[];
  refused: Refusal[];
  /** The path of every entry under the root (files, directories, links, FIFOs, sockets, devices), in walk order. */
  names: string[];
}

/** Nesting deeper than this is refused rather than walked. */
const MAX_DEPTH = 32;

function kindOf(stats: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (stats.isSymbolicLink()) return 'a symbolic link (links are never followed or released)';
  if (stats.isFIFO()) return 'a FIFO (only regular files are released)';
  if (stats.isSocket()) return 'a socket (only regular files are released)';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'a device node (only regular files are released)';
  return 'not a regular file';
}

/** Regular files under `root` (labelled `area entry #n`), what was refused, and every entry's name. A missing root holds nothing. */
export async function listReleased(root: string, area: 'outputs' | 'logs', output: boolean): Promise<Listing> {
  const listing: Listing = { files: [], refused: [], names: [] };
  const visit = async (dir: string, label: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir);
    } catch (error) {
      listing.refused.push({ label, detail: `the directory cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    for (const name of entries.sort()) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full);
      listing.names.push(relative);
      const entryLabel = `${area} entry #${listing.names.length}`;
      const stats = await lstat(full).catch(() => null);
      if (!stats) listing.refused.push({ label: entryLabel, detail: 'vanished or cannot be inspected' });
      else if (stats.isDirectory()) {
        if (depth >= MAX_DEPTH) listing.refused.push({ label: entryLabel, detail: `directories nested deeper than ${MAX_DEPTH} levels` });
        else await visit(full, entryLabel, depth + 1);
      } else if (stats.isFile()) listing.files.push({ path: full, label: entryLabel, name: relative, output, size: stats.size });
      else listing.refused.push({ label: entryLabel, detail: kindOf(stats) });
    }
  };
  const stats = await lstat(root).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : error));
  if (stats instanceof Error) listing.refused.push({ label: area, detail: `cannot be inspected (${(stats as NodeJS.ErrnoException).code ?? 'error'})` });
  else if (stats?.isDirectory()) await visit(root, area, 0);
  else if (stats) listing.refused.push({ label: area, detail: `is ${kindOf(stats)}, not a directory` });
  return listing;
}

/** Reads a listed file without following a link that replaced it, or says why it cannot. */
export async function readReleased(file: ReleasedFile): Promise<Buffer | string> {
  let handle;
  try {
    handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return `cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return kindOf(stats);
    if (stats.size !== file.size) return 'changed size while being inspected';
    const data = Buffer.alloc(file.size);
    let read = 0;
    while (read < data.length) {
      const { bytesRead } = await handle.read(data, read, data.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === data.length ? data : 'changed size while being inspected';
  } finally {
    await handle.close();
  }
}
