/**
 * Field sets: a row's fields hashed without regard to order, so a row whose columns were reordered, joined by
 * another separator, re-quoted or re-printed by pandas (34 vs 34.0, an added index column) still matches.
 * The key of a set is built from sums of per-field hashes, so dropping one field is a subtraction.
 */
import { fmix, key53, stringHashes } from './hash';

/** Separators tried on output lines (whitespace runs are tried too). */
export const FIELD_SEPARATORS = [',', '\t', ';', '|'] as const;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A field as compared: trimmed, unquoted, and numbers in one canonical spelling. */
export function normaliseField(field: string): string {
  let value = field.trim();
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1).trim();
  const first = value.charCodeAt(0);
  // Only strings that start like a number pay for the regular expression.
  if ((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46) {
    if (NUMBER.test(value)) {
      const number = Number(value);
      if (Number.isFinite(number)) return String(number);
    }
  }
  return value;
}

/** The normalised values of a JSON object row (nested values as JSON), or null when `line` is not one. */
export function jsonRowFields(line: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  return Object.values(parsed as Record<string, unknown>).map((value) =>
    value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : normaliseField(String(value)),
  );
}

/** Per-field hashes and their sums. */
export interface FieldHashes {
  a: Uint32Array;
  b: Uint32Array;
  sumA: number;
  sumB: number;
}

export function hashFields(fields: readonly string[]): FieldHashes {
  const a = new Uint32Array(fields.length);
  const b = new Uint32Array(fields.length);
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < fields.length; i++) {
    const [ha, hb] = stringHashes(fields[i]!);
    a[i] = ha;
    b[i] = hb;
    sumA = (sumA + ha) >>> 0;
    sumB = (sumB + hb) >>> 0;
  }
  return { a, b, sumA, sumB };
}

/** The order-free key of a set of `count` fields whose hashes sum to `sumA`, `sumB`. */
export function fieldSetKey(sumA: number, sumB: number, count: number): number {
  return key53(fmix((sumA + Math.imul(count, 0x9e3779b1)) >>> 0), fmix((sumB ^ count) >>> 0));
}
