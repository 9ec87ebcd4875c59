/** DAG-JSON, the deterministic JSON encoding of IPLD (sorted keys, no whitespace), loaded on first use (ESM only). */
import { loadEsm } from '../esm';

const dagJson = () => loadEsm('@ipld/dag-json', () => import('@ipld/dag-json'));

/**
 * `value` without the properties whose value is undefined (optional fields zod keeps), which DAG-JSON cannot
 * encode: the form a value has once stored and read back.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([key, field]) => [key, withoutUndefined(field)]),
  ) as T;
}

/** The canonical DAG-JSON bytes of `value`. */
export async function encodeDagJson(value: unknown): Promise<Uint8Array> {
  return (await dagJson()).encode(withoutUndefined(value));
}

/** Decodes DAG-JSON bytes; throws the codec's error on malformed input. */
export async function decodeDagJson(bytes: Uint8Array): Promise<unknown> {
  return (await dagJson()).decode(bytes);
}
