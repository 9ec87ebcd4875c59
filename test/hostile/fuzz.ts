/** What the hostile-input properties of the shared services (test/hostile/*.test.ts) share. */
import fc from 'fast-check';

/** Reproducible by default; DATAGORA_FUZZ_SEED explores other runs (fast-check prints the seed of a failure). */
export const FUZZ = { seed: Number(process.env.DATAGORA_FUZZ_SEED ?? 16) };

/** `value` (a generated edit or attack), printed by fast-check under `name` in a counterexample instead of as its source. */
export function named<T extends object>(name: string, value: T): T {
  return Object.assign(value, { [fc.toStringMethod]: () => name });
}

/** A value as a counterexample shows it: long ones cut short. */
export const shown = (value: unknown): string => (value === undefined ? 'undefined' : fc.stringify(value).slice(0, 120));

/** JSON text of arrays nested `depth` deep around `inner`: JSON.stringify itself overflows the stack past a few thousand levels. */
export const nestedJson = (depth: number, inner: unknown = 1): string => `${'['.repeat(depth)}${JSON.stringify(inner)}${']'.repeat(depth)}`;

/**
 * Edits a SIWE message the way an attacker would before signing it: NUL and line breaks inserted, a field's
 * value replaced (dates that are no dates, other chains, long values).
 */
export type MessageEdit = (message: string) => string;

export const inserting = (position: number, text: string): MessageEdit =>
  named(`insert ${shown(text)} at ${position}`, (message: string) => {
    const at = position % (message.length + 1);
    return message.slice(0, at) + text + message.slice(at);
  });

export const replacingLine = (field: string, value: string): MessageEdit => named(`${field}: ${shown(value)}`, (message: string) => message.replace(new RegExp(`^${field}: .*$`, 'm'), () => `${field}: ${value}`));

/** Dates as a hostile message writes them: not RFC 3339, out of range, far past or future. */
export const hostileDate = fc.oneof(
  fc.constantFrom('never', '', ' ', 'NaN', '2099-13-45T00:00:00Z', '9999-99-99T99:99:99Z', '+010000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2999-01-01T00:00:00.000Z', '2030-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2025-01-01T00:00:00.000Z\r'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** NUL, CR, LF and their Unicode kin inserted anywhere; dates and other fields replaced by hostile values. */
export const messageEdit: fc.Arbitrary<MessageEdit> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom('\u0000', '\r', '\r\n', '\n', '\u2028', '\u202e', '\ufeff')).map(([at, text]) => inserting(at, text)),
  fc.tuple(fc.constantFrom('Expiration Time', 'Issued At'), hostileDate).map(([field, value]) => replacingLine(field, value)),
  fc.tuple(fc.constantFrom('Version', 'Chain ID', 'Nonce', 'URI'), fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', '\u0000', '\ud800', 'a'.repeat(200), '😀'.repeat(100)))).map(([field, value]) => replacingLine(field, value)),
);
