/**
 * What the indexer stores or logs from sources it does not control, made safe. Chain events are anyone's: a
 * string argument may hold NUL, which Postgres text and JSON cannot store. A database error may quote a value,
 * and drizzle's wraps the whole query with its parameters (a whole document): only the database's own words are
 * kept, printable.
 */
import { BaseError } from 'viem';
import { printable } from '../metadata';
import { LONE_SURROGATE } from '../metadata/characters';

const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE}`, 'g');

/** `text` with NUL and lone surrogates replaced by U+FFFD, as a UTF-8 decoder replaces bytes it cannot read. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** Longest error text kept: the database's message and detail, never a whole value. */
const MAX_ERROR_LENGTH = 500;

/**
 * drizzle's DrizzleQueryError, known by its shape: the database adapters are imported as ES modules and this
 * file as CommonJS under jest, so the class is not always the same one.
 */
const isQueryError = (error: unknown): error is Error => error instanceof Error && error.message.startsWith('Failed query:') && typeof (error as { query?: unknown }).query === 'string';

/** The database's (or the chain node's) error behind `error`: its message, SQLSTATE and detail, printable. */
export function describeError(error: unknown): string {
  let cause = error;
  while (isQueryError(cause) && cause.cause !== undefined) cause = cause.cause;
  if (isQueryError(cause)) return 'a query failed without a reason from the database';
  let text: string;
  if (cause instanceof BaseError) {
    text = cause.details ? `${cause.shortMessage} (${cause.details})` : cause.shortMessage;
  } else if (cause instanceof Error) {
    const { code, detail } = cause as Error & { code?: unknown; detail?: unknown };
    text = cause.message;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) text += ` (SQLSTATE ${code})`;
    if (typeof detail === 'string' && detail) text += `: ${detail}`;
  } else {
    text = String(cause);
  }
  return printable(text, MAX_ERROR_LENGTH);
}
