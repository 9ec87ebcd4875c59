/**
 * The output guard of compute-to-data: before a provider node releases anything a job wrote (every file under
 * its outputs and logs directories), it checks it against the raw dataset and refuses the lot on any finding.
 *
 * What is refused:
 * - size: outputs + logs together over `maxOutputBytes` (nothing is read then);
 * - more than MAX_RELEASED_FILES (64) files in outputs and logs together → `too-many-files`;
 * - names outside ASCII letters, digits and . _ -, or over MAX_NAME_BYTES (100), names in a directory that
 *   differ only in letter case, directories more than MAX_DIRECTORY_DEPTH (8) deep → `layout` (guard/walk.ts);
 * - anything but regular files and directories: symbolic links (even pointing inside), FIFOs, sockets,
 *   devices, unlistable directories → `unreadable`;
 * - verbatim leaks (`leakDetection`), looked for in every file as bytes (text or binary), in the names of
 *   every entry (files, directories, links, FIFOs, sockets, devices: a row hidden in a link's name is a leak,
 *   not just a link), and in every decoded layer of them, up to 3 layers deep (base64 / hex / gzip / zlib / zip / raw deflate /
 *   UTF-16, see guard/decode.ts; e.g. `base64>gzip`):
 *   - `row`: a data row (a line after the header, ≥ 16 bytes trimmed) appears anywhere — as a line, inside a
 *     longer line, CRLF or LF; or an output line holds exactly a data row's fields, in any order, with another
 *     separator (, TAB ; | or spaces), quoting or number spelling (34 / 34.0), optionally plus one extra field
 *     such as an index column;
 *   - `shingle`: a run of ≥ SHINGLE_BYTES (64) raw bytes, whatever the line structure: winnowing finds a
 *     fingerprint of every such run, and the run is then measured against the raw file (guard/confirm.ts),
 *     so a fingerprint shared by chance (a category name next to a number) is no leak. Header bytes do not
 *     count toward the 64: column names may be echoed. Measuring takes a pass over the raw file per ~50k
 *     shared fingerprints; past 16 passes the rest is refused unmeasured. Also `shingle`: ≥ MIN_FRAGMENTS
 *     (32) distinct rare fragments — 24-byte pieces each from fewer than 8 places in the data (emails, ids,
 *     addresses written one by one, as pandas pickles them);
 * - content the guard cannot decode, so cannot clear → `undecodable`: bzip2 / xz / 7z / zstd / lz4 data,
 *   encrypted or bzip2/lzma zip entries, a compressed stream expanding past 64 MiB (a bomb, or rows hidden
 *   after 64 MiB of padding), encodings nested deeper than 3 layers, decoded output past the budget
 *   (max(256 MiB, 4 × maxOutputBytes) per job);
 * - small groups (`minGroupSize` = k, when set), on tabular files in the outputs directory — CSV, TSV, a JSON
 *   array of objects, JSON lines of objects, by extension: if the table has a count column (named count, n,
 *   size, group_size, support, records, …, or *_count) every row's value there must be a number ≥ k;
 *   without one, it may have at most dataRows / k rows (each output row summarises ≥ k input rows on average).
 *
 * What it does not catch (by design: it matches bytes, not meaning): values transformed (rounded, shifted,
 * encrypted, XORed), a subset of a row's columns, numbers written as binary (np.save of df.values; a pickled
 * DataFrame without long unique text), data spread thinly (a few bytes per file name, per file, per row: the
 * file count caps how far), a row in names with a separator it does not split on (`P0001_83_120`), and
 * compressions it does not decode (refused instead). The k rule is a policy on honest aggregates: tables it
 * does not recognise (other extensions, nested JSON) pass it.
 *
 * The raw file must stay in place, unchanged, until inspectOutputs returns: candidate runs are measured on it.
 *
 * Findings say where, never what: an entry's number (`outputs entry #3`, see guard/walk.ts), an encoding, counts
 * and offsets, in the guard's words only. Names are the algorithm's own text (a name can be a data row), so no
 * finding carries one, nor anything read from a file: a `layout` finding names the rule broken and its limit,
 * not the name, its length or the character at fault.
 */
import { DecodeBudget, decodeLayers, hasNestedEncoding } from './decode';
import { GuardPolicyError } from '../errors';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../policy';
import { LeakIndex } from './leak-index';
import { RunMeasurer } from './confirm';
import { findRowLeaks, scanShingles } from './scan';
import { checkGroupSize } from './tabular';
import { listReleased, MAX_RELEASED_FILES, readReleased } from './walk';
import { KGRAM_BYTES, SHINGLE_BYTES } from './winnow';

export { LeakIndex, type LeakIndexOptions } from './leak-index';
export { SHINGLE_BYTES } from './winnow';
export { MAX_DIRECTORY_DEPTH, MAX_NAME_BYTES, MAX_RELEASED_FILES } from './walk';

export interface GuardPolicy {
  /** Most bytes the outputs and logs may hold together. */
  maxOutputBytes: number;
  /** Look for the raw data (verbatim or encoded) in what is released. */
  leakDetection: boolean;
  /** k: the minimum group size tabular outputs must respect (see the rule above). */
  minGroupSize?: number;
}

/**
 * `file` says where, never a name: `outputs entry #n` / `logs entry #n` (the n-th entry walking depth first,
 * names sorted), `outputs` / `logs` (the directory itself) or `entry names` (the names of all entries together).
 * `detail` is built from the guard's own words and numbers.
 */
export type GuardFinding =
  | { kind: 'output-too-large'; bytes: number; limit: number }
  | { kind: 'too-many-files'; files: number; limit: number }
  | { kind: 'layout'; file: string; detail: string }
  | { kind: 'verbatim-leak'; file: string; encoding: string; match: 'row' | 'shingle'; detail: string }
  | { kind: 'small-group'; file: string; detail: string }
  | { kind: 'unreadable'; file: string; detail: string }
  | { kind: 'undecodable'; file: string; detail: string };

export type FindingKind = GuardFinding['kind'];

export interface GuardVerdict {
  released: boolean;
  /** At most MAX_FINDINGS; `omittedFindings` counts the rest. */
  findings: GuardFinding[];
  /** Findings of each kind, omitted ones included. */
  kinds: Partial<Record<FindingKind, number>>;
  /** Bytes of files read (decoded layers not counted). */
  scannedBytes: number;
  omittedFindings: number;
}

/** 64 MiB, leak detection on, no minimum group size. */
export const DEFAULT_GUARD_POLICY: GuardPolicy = Object.freeze({ maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES, leakDetection: true });

/** Findings kept in a verdict: one is enough to refuse; the rest are counted. */
export const MAX_FINDINGS = 50;
/** Decoding layers looked into below a file (base64 of gzip of hex is 3). */
export const MAX_DECODE_DEPTH = 3;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
const within = (encoding: string) => (encoding === 'plain' ? '' : `in its ${encoding}-decoded content: `);

/** Where findings on the names of the entries point. */
const NAMES = 'entry names';
const NEWLINE = Buffer.from('\n');

/** Distinct rare fragments (≥ KGRAM_BYTES, each from < RARE_BELOW places in the data) that make a leak. */
export const MIN_FRAGMENTS = 32;

interface Inspection {
  index: LeakIndex;
  budget: DecodeBudget;
  add(finding: GuardFinding): void;
  measurer: RunMeasurer;
  /** The layer each measuring group stands for. */
  groups: { file: string; encoding: string }[];
}

/**
 * Scans one layer, then decodes it and scans what it hides, to MAX_DECODE_DEPTH. A layer holding rows or
 * many rare fragments is refused at once and not decoded further; shared fingerprints are left to the
 * measurer, which reports at the end.
 */
async function inspectLayer(file: string, data: Buffer, encoding: string, depth: number, inspection: Inspection): Promise<void> {
  const { index, measurer } = inspection;
  const leak = (match: 'row' | 'shingle', detail: string) => inspection.add({ kind: 'verbatim-leak', file, encoding, match, detail: within(encoding) + detail });
  const rows = findRowLeaks(data, index.parts);
  if (rows.rows + rows.fieldRows > 0) {
    leak('row', rows.rows > 0 ? `${plural(rows.rows, 'data row')} verbatim (first at byte ${rows.firstRow})` : `${plural(rows.fieldRows, 'line')} holding a data row’s fields in another order or format (first at line ${rows.firstFieldRow})`);
    return;
  }
  const group = measurer.open();
  inspection.groups[group] = { file, encoding };
  const fragments = await scanShingles(data, index.parts, (offset, windows) => measurer.add(group, offset, windows), () => measurer.flushIfFull());
  if (fragments.fragments >= MIN_FRAGMENTS) {
    measurer.close(group);
    leak('shingle', `${fragments.fragments} distinct fragments of rare data values (${KGRAM_BYTES}+ bytes each; first near byte ${fragments.firstFragment})`);
    return;
  }
  const where = depth === 0 ? '' : ` of its ${encoding}-decoded content`;
  if (depth >= MAX_DECODE_DEPTH) {
    if (hasNestedEncoding(data)) inspection.add({ kind: 'undecodable', file, detail: `encoded content nested more than ${MAX_DECODE_DEPTH} layers deep${where}: the guard does not decode further` });
    return;
  }
  const { layers, opaque } = await decodeLayers(data, inspection.budget);
  for (const item of opaque) inspection.add({ kind: 'undecodable', file, detail: `${item.what} at byte ${item.at}${where}: the guard cannot inspect it` });
  for (const layer of layers) await inspectLayer(file, layer.data, depth === 0 ? layer.encoding : `${encoding}>${layer.encoding}`, depth + 1, inspection);
}

/** Measures what is left and reports every layer that shares a run of SHINGLE_BYTES with the data. */
async function reportRuns(inspection: Inspection): Promise<void> {
  await inspection.measurer.flush();
  inspection.groups.forEach(({ file, encoding }, group) => {
    const outcome = inspection.measurer.outcome(group);
    if (outcome === null) return;
    const detail = outcome === 'unmeasured' ? 'more shared fragments than the guard measures: refused unmeasured' : `a run of ${SHINGLE_BYTES}+ bytes of the data (near byte ${outcome})`;
    inspection.add({ kind: 'verbatim-leak', file, encoding, match: 'shingle', detail: within(encoding) + detail });
  });
}

function checkPolicy(policy: GuardPolicy, index: LeakIndex | undefined): void {
  if (!(policy.maxOutputBytes > 0)) throw new GuardPolicyError(`maxOutputBytes must be positive, got ${policy.maxOutputBytes}`, 'set a byte limit, e.g. DEFAULT_GUARD_POLICY.maxOutputBytes (64 MiB)');
  const k = policy.minGroupSize;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new GuardPolicyError(`minGroupSize must be a positive integer, got ${k}`, 'leave minGroupSize out, or set k ≥ 1');
  if (!index && (policy.leakDetection || k !== undefined)) {
    throw new GuardPolicyError(
      policy.leakDetection ? 'leak detection needs the dataset’s leak index' : 'the minimum group size rule needs the dataset’s row count',
      policy.leakDetection ? 'pass LeakIndex.build(plaintextFile)' : 'pass LeakIndex.build(plaintextFile, { rowsOnly: true }) (a quick count)',
    );
  }
}

/**
 * Checks everything under `input.outputs` and `input.logs` against `index` under `policy`. Released only with
 * no finding. `index` may be left out only when the policy needs none (no leak detection, no k).
 */
export async function inspectOutputs(input: { outputs: string; logs: string }, index: LeakIndex | undefined, policy: GuardPolicy): Promise<GuardVerdict> {
  checkPolicy(policy, index);
  const findings: GuardFinding[] = [];
  const kinds: GuardVerdict['kinds'] = {};
  let omittedFindings = 0;
  const add = (finding: GuardFinding) => {
    kinds[finding.kind] = (kinds[finding.kind] ?? 0) + 1;
    if (findings.length < MAX_FINDINGS) findings.push(finding);
    else omittedFindings++;
  };
  const verdict = (scannedBytes: number): GuardVerdict => ({ released: findings.length === 0, findings, kinds, scannedBytes, omittedFindings });

  const outputs = await listReleased(input.outputs, 'outputs', true);
  const logs = await listReleased(input.logs, 'logs', false);
  const inspection: Inspection | undefined =
    policy.leakDetection && index
      ? { index, budget: new DecodeBudget(Math.max(256 * 1024 * 1024, 4 * policy.maxOutputBytes)), add, measurer: new RunMeasurer(index.parts), groups: [] }
      : undefined;
  // Every entry's name is written by the algorithm, whatever the entry: one path per line, scanned first so a
  // leak in names is reported as one even when refusals fill the findings.
  if (inspection) await inspectLayer(NAMES, Buffer.concat([...outputs.names, ...logs.names].flatMap((name, i) => (i === 0 ? [name] : [NEWLINE, name]))), 'plain', 0, inspection);
  for (const refusal of [...outputs.refused, ...logs.refused]) add({ kind: refusal.kind, file: refusal.label, detail: refusal.detail });
  const files = [...outputs.files, ...logs.files];
  if (files.length > MAX_RELEASED_FILES) add({ kind: 'too-many-files', files: files.length, limit: MAX_RELEASED_FILES });
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > policy.maxOutputBytes) {
    add({ kind: 'output-too-large', bytes: total, limit: policy.maxOutputBytes });
    if (inspection) await reportRuns(inspection);
    return verdict(0);
  }

  let scannedBytes = 0;
  for (const file of files) {
    const data = await readReleased(file);
    if (typeof data === 'string') {
      add({ kind: 'unreadable', file: file.label, detail: data });
      continue;
    }
    scannedBytes += data.length;
    if (inspection) await inspectLayer(file.label, data, 'plain', 0, inspection);
    if (policy.minGroupSize !== undefined && index && file.output) {
      const breach = checkGroupSize(file.name, data, policy.minGroupSize, index.rows);
      if (breach) add({ kind: 'small-group', file: file.label, detail: breach.detail });
    }
  }
  if (inspection) await reportRuns(inspection);
  return verdict(scannedBytes);
}
