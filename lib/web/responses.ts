/** How the web API answers a failure: the status each error class declares, in the same JSON shape everywhere. */
import { DatagoraError } from '../errors';
import { failureResponse } from '../indexer/errors';
import { UploadError } from '../storage/uploads';

/** Answers about the market's live state, which no cache may keep. */
export const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * A failure as JSON: our typed errors with their name, message, hint and the status their class declares (404
 * for no such dataset, 4xx for bad input, 503 when a service is down); anything else a 500 that names no internals.
 */
export function errorResponse(error: unknown): Response {
  if (error instanceof DatagoraError) {
    const body = { error: error.name, message: error.message, hint: error.hint, ...(error instanceof UploadError ? { code: error.code } : {}) };
    return Response.json(body, { status: error.httpStatus, headers: NO_STORE });
  }
  console.error(error);
  return Response.json({ error: 'InternalError', message: 'the server failed on this request', hint: 'see the web server’s log' }, { status: 500, headers: NO_STORE });
}

/** Runs `answer`, its failures answered with the status their class declares. */
export async function answering(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * The answer of a route that relays the indexer's read API: the value as uncached JSON, or the read API's own
 * failure shape (400 naming the parameter, 503 when the indexer is away). Anything else is the server's fault.
 */
export async function indexerResponse(answer: () => Promise<unknown>): Promise<Response> {
  try {
    const value = await answer();
    return value instanceof Response ? value : Response.json(value, { headers: NO_STORE });
  } catch (error) {
    const failure = failureResponse(error);
    if (failure) return Response.json(failure.body, { status: failure.status, headers: NO_STORE });
    throw error;
  }
}
