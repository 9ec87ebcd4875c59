/** Errors of the indexer and its read API. */
import { DatagoraError, UnavailableError } from '../errors';
import { printable } from '../metadata';
import { describeError } from './sanitise';

/**
 * A search or analytics request with a bad parameter; the read API answers 400 with it. The parameter and the
 * detail quote what the caller sent, so both are made printable: the answer reaches terminals and pages.
 */
export class QueryError extends DatagoraError {
  readonly parameter: string;
  readonly detail: string;

  constructor(parameter: string, detail: string, hint: string) {
    const [name, problem] = [printable(parameter, 100), printable(detail)];
    super(`${name}: ${problem}`, hint);
    this.parameter = name;
    this.detail = problem;
  }
}

/** The indexer's read API cannot be reached or failed. */
export class IndexerUnavailableError extends UnavailableError {
  constructor(url: string, reason: string, cause?: unknown) {
    super(`the indexer at ${url} ${reason}`, 'start the market (`npm start`) or `datagora indexer`, or set DATAGORA_INDEXER_URL', { cause });
  }
}

/** The database was indexed for another chain or deployment. */
export class IndexerMismatchError extends DatagoraError {
  constructor(what: string) {
    super(`the indexer database belongs to ${what}`, 'point DATABASE_URL at an empty database, or delete .datagora/indexer to rebuild it from the chain');
  }
}

/**
 * A step of the indexer's sync failed: the message names the step (the block range it was applying) and the
 * cause in the database's or the node's own words, never a query's parameters.
 */
export class SyncError extends DatagoraError {
  /** The cause alone, the same on every retry of the same failure. */
  readonly reason: string;

  constructor(step: string, cause: unknown) {
    const reason = describeError(cause);
    super(`${step}: ${reason}`, 'the indexer retries, waiting longer while the same error repeats; if it persists, check the database and the chain node', { cause });
    this.reason = reason;
  }
}

/** The HTTP answer to a failed search or report: 400 naming the parameter, 503 when the indexer is away. */
export function failureResponse(error: unknown): { status: 400 | 503; body: Record<string, string> } | undefined {
  if (error instanceof QueryError) return { status: 400, body: { error: 'bad-query', parameter: error.parameter, message: error.detail, hint: error.hint } };
  if (error instanceof IndexerUnavailableError) return { status: 503, body: { error: 'indexer-unavailable', message: error.message, hint: error.hint } };
  return undefined;
}
