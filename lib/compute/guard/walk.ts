/**
 * Listing what a job would release, without following anything out of its directories: regular files are
 * listed, directories descended; symbolic links, FIFOs, sockets and devices are reported, never opened.
 *
 * Every entry is numbered (`outputs entry #3`: the 3rd entry met walking depth first, names sorted) and its
 * name kept apart: names are the algorithm's own text, so findings say where by number, and the names of
 * every entry — refused ones included — go through the leak scan like a file's content. Names are read as
 * bytes: one that is not UTF-8 is still found, opened and scanned as it is.
 *
 * The layout a release may have, so that what a buyer unpacks is a handful of plainly named files on any
 * system, and names are no roomy channel of their own (a `layout` refusal each; the walk goes on, so content
 * is still inspected and a leak still reports as one):
 * - names of ASCII letters, digits and . _ - only, at most MAX_NAME_BYTES each: no spaces, commas, control
 *   characters, newlines or backslashes, nothing non-ASCII (so no Unicode normalisation to tell names apart).
 *   A leading dot is allowed: honest tools write `.ipynb_checkpoints` and Spark's `.part-0.crc`, and hidden
 *   files are inspected like the rest;
 * - no two names in a directory differing only in letter case: they would overwrite each other on macOS or
 *   Windows;
 * - at most MAX_DIRECTORY_DEPTH directories deep (`a/b/c/d/e/f/g/h/file.csv`); deeper ones are not walked.
 * The number of files (MAX_RELEASED_FILES) is counted by the caller, over outputs and logs together.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Files outputs and logs may hold together: results, a model, a few plots and the log, not one per row. */
export const MAX_RELEASED_FILES = 64;
/** Bytes in one name (one part of a path). */
export const MAX_NAME_BYTES = 100;
/** Directories a released file may sit in, one inside the other. */
export const MAX_DIRECTORY_DEPTH = 8;

export interface ReleasedFile {
  /** Absolute path, as bytes. */
  path: Buffer;
  /** What findings call it: `outputs entry #n` or `logs entry #n`. */
  label: string;
  /** Its path under the outputs or logs directory: algorithm-chosen text, never put in a finding. */
  name: string;
  /** Whether it lies under the outputs directory (the minimum group size rule reads only those). */
  output: boolean;
  size: number;
}

export interface Refusal {
  /** `unreadable`: not a regular file or directory, or not inspectable; `layout`: breaks a layout rule. */
  kind: 'unreadable' | 'layout';
  /** `outputs entry #n`, or `outputs` / `logs` for the directory itself. */
  label: string;
  /** Why, in the guard's words only. */
  detail: string;
}

export interface Listing {
  files: ReleasedFile[];
  refused: Refusal[];
  /** The path of every entry under the root (files, directories, links, FIFOs, sockets, devices), in walk order. */
  names: Buffer[];
}

const NAME_BYTES = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-') NAME_BYTES[char.charCodeAt(0)] = 1;
const SLASH = Buffer.from('/');

/** What is wrong with a name by the layout rules, in the guard's words (never the name's), or null. */
function nameProblem(name: Buffer): string | null {
  if (name.length > MAX_NAME_BYTES) return `a name longer than ${MAX_NAME_BYTES} bytes`;
  if (!name.every((byte) => NAME_BYTES[byte] === 1)) return 'a name with characters other than ASCII letters, digits, “.”, “_” and “-”';
  return null;
}

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
  const refuse = (kind: Refusal['kind'], label: string, detail: string) => listing.refused.push({ kind, label, detail });
  const base = Buffer.from(path.resolve(root));
  const visit = async (dir: Buffer, label: string, depth: number): Promise<void> => {
    let entries: Buffer[];
    try {
      entries = await readdir(dir, { encoding: 'buffer' });
    } catch (error) {
      refuse('unreadable', label, `the directory cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return;
    }
    /** Each name in this directory in lower case, with the entry that has it. */
    const lowered = new Map<string, string>();
    for (const name of entries.sort(Buffer.compare)) {
      const full = Buffer.concat([dir, SLASH, name]);
      listing.names.push(full.subarray(base.length + 1));
      const entryLabel = `${area} entry #${listing.names.length}`;
      const problem = nameProblem(name);
      const folded = name.toString('latin1').toLowerCase();
      const twin = lowered.get(folded);
      if (problem) refuse('layout', entryLabel, problem);
      else if (twin) refuse('layout', entryLabel, `a name differing only in letter case from ${twin}`);
      else lowered.set(folded, entryLabel);
      const stats = await lstat(full).catch(() => null);
      if (!stats) refuse('unreadable', entryLabel, 'vanished or cannot be inspected');
      else if (stats.isDirectory()) {
        if (depth >= MAX_DIRECTORY_DEPTH) refuse('layout', entryLabel, `a directory more than ${MAX_DIRECTORY_DEPTH} levels deep (not walked)`);
        else await visit(full, entryLabel, depth + 1);
      } else if (stats.isFile()) listing.files.push({ path: full, label: entryLabel, name: full.subarray(base.length + 1).toString(), output, size: stats.size });
      else refuse('unreadable', entryLabel, kindOf(stats));
    }
  };
  const stats = await lstat(base).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : error));
  if (stats instanceof Error) refuse('unreadable', area, `cannot be inspected (${(stats as NodeJS.ErrnoException).code ?? 'error'})`);
  else if (stats?.isDirectory()) await visit(base, area, 0);
  else if (stats) refuse('unreadable', area, `is ${kindOf(stats)}, not a directory`);
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
