/** Errors of the content storage subsystem: each says what happened and what to do about it. */
import { DatagoraError, UnavailableError } from '../errors';

/** Nothing answers the Kubo RPC API at the configured URL. */
export class StorageUnavailableError extends UnavailableError {
  constructor(
    readonly apiUrl: string,
    cause?: unknown,
  ) {
    super(
      `no IPFS node answers at ${apiUrl}`,
      'start the market (`npm start` runs the embedded node), or point DATAGORA_IPFS_API at a running Kubo RPC API',
      { cause },
    );
  }
}

/** The content is not on the node (an offline node cannot fetch it either). */
export class ContentNotFoundError extends DatagoraError {
  constructor(
    readonly cid: string,
    cause?: unknown,
  ) {
    super(`content ${cid} is not stored on this IPFS node`, 'check the CID, or add the content to this node first', { cause });
  }
}

/** A string that is not a CID. */
export class InvalidCidError extends DatagoraError {
  constructor(
    readonly value: string,
    cause?: unknown,
  ) {
    super(`"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not a CID`, 'pass a CIDv0 (Qm…) or CIDv1 (bafy…/bafk…) string', { cause });
  }
}

/** A block larger than IPFS nodes exchange, or bytes its codec cannot decode. */
export class InvalidBlockError extends DatagoraError {
  constructor(problem: string, cause?: unknown) {
    super(`invalid block: ${problem}`, 'store large content with add() (it is chunked) and only valid DAG-JSON with putBlock()', { cause });
  }
}

/** An upload was aborted by its signal, or its source failed before the end. */
export class UploadAbortedError extends DatagoraError {
  constructor(cause?: unknown) {
    super('the upload was aborted before the content was stored', 'nothing was pinned; retry the upload', { cause });
  }
}

/** The IPFS node answered a request with an error we have no specific type for. */
export class StorageRequestError extends DatagoraError {
  constructor(
    readonly apiUrl: string,
    readonly operation: string,
    problem: string,
    cause?: unknown,
  ) {
    super(`the IPFS node at ${apiUrl} refused ${operation}: ${problem}`, "read the node's log for the cause", { cause });
  }
}

/** A read starting past the end of a file, or with a negative offset or length. */
export class InvalidRangeError extends DatagoraError {
  constructor(cid: string, problem: string, cause?: unknown) {
    super(`cannot read ${cid}: ${problem}`, 'read from an offset below the file size (stat() gives it), with a length of 0 or more', { cause });
  }
}

/**
 * Name, message and HTTP status of whatever an operation threw. Read by property, not instanceof: fetch's
 * errors come from Node's own realm, which is not the caller's under a VM sandbox such as jest's.
 */
export function describeFailure(error: unknown): { name: string; message: string; status?: number } {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const { name, message, response } = error as { name?: unknown; message?: unknown; response?: { status?: unknown } };
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    status: typeof response?.status === 'number' ? response.status : undefined,
  };
}
