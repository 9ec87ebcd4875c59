/**
 * What a provider accepts as an algorithm: its runtime (from the file name), its size, and its committed hash;
 * and the parameters it declares as column names, checked against the dataset's published columns before a
 * buyer pays. No Node imports: pages use it.
 */
import { sha256, type Hex } from 'viem';
import { DatagoraError } from '../errors';
import { ComputeJobError } from './errors';
import { jsonNesting } from '../net/json';

/** Largest algorithm file a node accepts (base64 in the submission's JSON adds a third). */
export const MAX_ALGORITHM_BYTES = 4 << 20;

/** The runtime an algorithm file runs with, from its extension. */
export function runtimeOf(name: string): 'python' | 'node' | undefined {
  if (/\.py$/.test(name)) return 'python';
  if (/\.(c|m)?js$/.test(name)) return 'node';
  return undefined;
}

/** Checks an algorithm file's runtime and size before anything is paid: ComputeJobError for one no provider runs. */
export function checkAlgorithm(name: string, size: number): void {
  if (!runtimeOf(name)) throw new ComputeJobError(`${name}: only Python (.py) and Node.js (.js, .mjs, .cjs) algorithms run on providers`, 'choose a .py or .js file, or rewrite the algorithm');
  if (size > MAX_ALGORITHM_BYTES) throw new ComputeJobError(`${name} is ${size} bytes; providers accept at most ${MAX_ALGORITHM_BYTES}`, 'keep the algorithm small; it cannot download anything, so bundle only code');
}

/** SHA-256 of an algorithm file as the bytes32 a job commits to on-chain (viem's, so the browser hashes it too). */
export function algorithmHash(content: Uint8Array): Hex {
  return sha256(content);
}

/** Levels of arrays and objects a job's params may nest: a provider refuses deeper ones (they overflow its stack). */
export const MAX_PARAMS_NESTING = 32;

/** A job's params nest deeper than a provider takes: the node would refuse the job, after it was paid. */
export class ParamsTooDeepError extends DatagoraError {
  constructor(readonly nesting: number) {
    super(`the parameters nest ${nesting} levels deep; providers take at most ${MAX_PARAMS_NESTING}`, 'flatten the parameters; nothing was paid');
  }
}

/** Columns named in an UnknownColumnError's message; a wide table's full list is on its page and in `show`. */
const MAX_COLUMNS_NAMED = 30;
/** The header (the leading comment lines) is looked for in the file's first bytes only. */
const HEADER_BYTES = 4096;
const COLUMNS_DECLARATION = /^(?:#|\/\/)\s*datagora:\s*columns\s+(.+)$/;

/** A job's parameter names a column the dataset does not have: the job would fail, after the data fee was paid. */
export class UnknownColumnError extends DatagoraError {
  constructor(
    readonly parameter: string,
    readonly column: string,
    datasetId: bigint,
    columns: readonly string[],
  ) {
    const shown = columns.length > MAX_COLUMNS_NAMED ? `${columns.slice(0, MAX_COLUMNS_NAMED).join(', ')} … (${columns.length - MAX_COLUMNS_NAMED} more)` : columns.join(', ');
    super(`parameter "${parameter}" names the column "${column}", which dataset ${datasetId} does not have; its columns: ${shown}`, `name one of its columns (\`datagora show ${datasetId}\` lists them); nothing was paid`);
  }
}

/**
 * The parameters an algorithm takes as column names, as its header declares them: a comment among its leading
 * comment lines, `# datagora: columns target` (Python) or `// datagora: columns group_by, columns` (JavaScript).
 * Such a parameter holds a column name, or a list of them.
 */
export function columnParameters(content: Uint8Array): string[] {
  const names: string[] = [];
  for (const line of new TextDecoder().decode(content.subarray(0, HEADER_BYTES)).split('\n')) {
    const text = line.trim();
    if (text !== '' && !text.startsWith('#') && !text.startsWith('//')) break;
    const declared = COLUMNS_DECLARATION.exec(text);
    if (declared) names.push(...declared[1]!.split(/[\s,]+/).filter(Boolean));
  }
  return names;
}

/**
 * Refuses `params` a provider would refuse or the algorithm could not use, before the buyer pays: nesting deeper
 * than MAX_PARAMS_NESTING (ParamsTooDeepError), or a parameter the algorithm declares as a column (see
 * {@link columnParameters}) naming a column missing from the dataset's published schema (its document's
 * `columns`: UnknownColumnError). A dataset without one (not CSV) and a parameter left out or not a name are the
 * algorithm's to judge.
 */
export function checkParameters(algorithm: Uint8Array, params: unknown, dataset: { id: bigint; columns?: readonly { name: string }[] }): void {
  const nesting = jsonNesting(params);
  if (nesting > MAX_PARAMS_NESTING) throw new ParamsTooDeepError(nesting);
  if (!dataset.columns || typeof params !== 'object' || params === null) return;
  const columns = dataset.columns.map((column) => column.name);
  for (const parameter of columnParameters(algorithm)) {
    const value: unknown = Object.hasOwn(params, parameter) ? (params as Record<string, unknown>)[parameter] : undefined;
    const named = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
    const missing = named.find((name) => !columns.includes(name));
    if (missing !== undefined) throw new UnknownColumnError(parameter, missing, dataset.id, columns);
  }
}
