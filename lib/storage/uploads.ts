/**
 * Uploads from browsers, in parts: a browser cannot stream one request body over HTTP/1.1, so the web app's
 * publish wizard sends the ciphertext it encrypts as numbered parts, in order, and each part is piped straight
 * into one streaming IPFS add. Nothing is buffered beyond the part in flight, and the server only ever sees
 * ciphertext. Every session belongs to the signed-in account that opened it (./upload-signin), which may hold
 * only a few sessions and bytes open at once; a session that stops receiving parts is aborted, and nothing of
 * it is pinned.
 */
import { randomUUID } from 'node:crypto';
import { getAddress, isAddressEqual, type Address } from 'viem';
import type { UploadsConfig } from '../config';
import { DatagoraError } from '../errors';
import { formatBytes } from '../units';
import type { ContentStore } from './types';

/** An upload request the server refuses: HTTP status, a stable code and words. */
export class UploadError extends DatagoraError {
  constructor(
    readonly status: 400 | 401 | 402 | 403 | 404 | 409 | 413 | 429 | 502,
    readonly code: string,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }

  override get httpStatus(): number {
    return this.status;
  }
}

/** The most a JSON request to the upload routes may carry: `{size}` and a sign-in are a few hundred bytes. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

/**
 * The JSON object `request` carries, or {} when it carries none (the route then says which fields it wants). A
 * body over {@link MAX_JSON_BODY_BYTES} is refused as soon as it passes the bound: nothing more of it is read.
 */
export async function readRequestJson(request: Request): Promise<Record<string, unknown>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Node's web streams are async iterables; the DOM typings do not say so.
  for await (const chunk of (request.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw new UploadError(413, 'body-too-large', `the request body is over ${formatBytes(MAX_JSON_BODY_BYTES)}`, 'send the small JSON object the route documents, nothing more');
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An id from a request, cut short for a message: a made-up one may be kilobytes long. */
const shownId = (id: string) => (id.length > 64 ? `${id.slice(0, 64)}…` : id);

/** A one-slot hand-over between the parts arriving and the IPFS add consuming them: push waits until taken. */
class Handover implements AsyncIterable<Uint8Array> {
  private offered?: { chunk: Uint8Array; taken: () => void; failed: (error: unknown) => void };
  private waiting?: { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void };
  private closed = false;
  private error?: unknown;

  push(chunk: Uint8Array): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((taken, failed) => {
      if (this.waiting) {
        this.waiting.resolve({ value: chunk, done: false });
        this.waiting = undefined;
        taken();
      } else {
        this.offered = { chunk, taken, failed };
      }
    });
  }

  close(): void {
    this.closed = true;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
  }

  fail(error: unknown): void {
    this.error ??= error;
    this.waiting?.reject(error);
    this.offered?.failed(error);
    this.waiting = this.offered = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        if (this.offered) {
          const { chunk, taken } = this.offered;
          this.offered = undefined;
          taken();
          return Promise.resolve({ value: chunk, done: false });
        }
        if (this.error) return Promise.reject(this.error);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
      },
    };
  }
}

interface Session {
  owner: Address;
  size: number;
  received: number;
  nextPart: number;
  busy: boolean;
  handover: Handover;
  abort: AbortController;
  added: Promise<{ cid: string; size: number }>;
  timer: NodeJS.Timeout;
}

export class UploadSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly store: ContentStore,
    private readonly limits: UploadsConfig,
  ) {}

  /**
   * Opens a session of `owner` for exactly `size` bytes and starts the IPFS add that its parts feed. Refused
   * past the account's open sessions or open bytes: each one holds an add, and its bytes, on the node.
   */
  start(owner: Address, size: unknown): { id: string } {
    // A JSON number only: "12", true and [12] would all pass as 12 through Number().
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
      throw new UploadError(400, 'bad-size', `an upload declares its size in bytes, a positive whole number, not ${String(JSON.stringify(size)).slice(0, 40)}`, 'send { "size": <bytes> }');
    }
    const { sessionsPerAccount, bytesPerAccount } = this.limits;
    if (size > bytesPerAccount) {
      throw new UploadError(413, 'too-large', `the upload is ${size} bytes, over the ${bytesPerAccount}-byte limit`, 'publish large files with the CLI (`datagora publish`) or split the dataset');
    }
    const open = [...this.sessions.values()].filter((session) => isAddressEqual(session.owner, owner));
    const idle = `finish or abandon (DELETE) your open uploads, or wait ${this.limits.idleMs / 1000} s for idle ones to be dropped`;
    if (open.length >= sessionsPerAccount) throw new UploadError(429, 'too-many-uploads', `${owner} already has ${open.length} uploads open, the most an account may`, idle);
    const openBytes = open.reduce((sum, session) => sum + session.size, 0);
    if (openBytes + size > bytesPerAccount) {
      throw new UploadError(429, 'too-many-bytes', `${owner} has uploads of ${openBytes} bytes open: ${size} more would pass the ${bytesPerAccount}-byte limit per account`, idle);
    }
    const id = randomUUID();
    const handover = new Handover();
    const abort = new AbortController();
    const added = this.store.add(handover, { signal: abort.signal });
    // A failed add fails the parts still to come; its own rejection is reported by finish().
    added.catch((error: unknown) => handover.fail(error));
    const session: Session = { owner: getAddress(owner), size, received: 0, nextPart: 0, busy: false, handover, abort, added, timer: this.idleTimer(id) };
    this.sessions.set(id, session);
    return { id };
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.drop(id), this.limits.idleMs);
    timer.unref();
    return timer;
  }

  /** The session `id`, which only the account that opened it may use: its id alone is not enough. */
  private session(owner: Address, id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new UploadError(404, 'unknown-upload', `there is no upload ${shownId(id)} (finished, aborted after ${this.limits.idleMs / 1000} s idle, or never started)`, 'start the upload again');
    if (!isAddressEqual(session.owner, owner)) throw new UploadError(403, 'not-your-upload', `upload ${id} belongs to another account than ${owner}`, 'send parts with the sign-in of the account that opened the upload');
    return session;
  }

  /** Pipes part `part` (0, 1, 2… in order) into the add; resolves once the store has taken all of it. */
  async append(owner: Address, id: string, part: number, body: AsyncIterable<Uint8Array>): Promise<{ received: number }> {
    const session = this.session(owner, id);
    if (session.busy || part !== session.nextPart) {
      throw new UploadError(409, 'out-of-order', `upload ${id} expects part ${session.nextPart}${session.busy ? ' after the one in flight' : ''}, not part ${part}`, 'send the parts one after another, in order');
    }
    session.busy = true;
    clearTimeout(session.timer);
    // Whether the failure, if any, is the request's body breaking off (the client's side) or the store's.
    let reading = true;
    try {
      for await (const chunk of body) {
        reading = false;
        session.received += chunk.length;
        if (session.received > session.size) {
          this.drop(id);
          throw new UploadError(413, 'over-declared-size', `upload ${id} sent more than the ${session.size} bytes it declared`, 'declare the exact ciphertext size when starting');
        }
        await session.handover.push(chunk);
        reading = true;
      }
    } catch (error) {
      this.drop(id);
      if (error instanceof UploadError) throw error;
      const why = error instanceof Error ? error.message : String(error);
      if (reading) throw new UploadError(400, 'part-interrupted', `part ${part} of upload ${id} broke off after ${session.received} bytes in all: ${why}`, 'start the upload again: a part must arrive whole');
      throw new UploadError(502, 'storage-failed', `upload ${id} failed: ${why}`, 'check the IPFS node (/api/health), then upload again');
    }
    session.busy = false;
    session.nextPart++;
    session.timer = this.idleTimer(id);
    return { received: session.received };
  }

  /** Ends the upload once every declared byte arrived; resolves with the pinned file's CID and size. */
  async finish(owner: Address, id: string): Promise<{ cid: string; size: number }> {
    const session = this.session(owner, id);
    if (session.busy) throw new UploadError(409, 'part-in-flight', `upload ${id} is still receiving a part`, 'finish after the last part is acknowledged');
    if (session.received !== session.size) {
      throw new UploadError(409, 'incomplete', `upload ${id} has ${session.received} of its ${session.size} bytes`, 'send the remaining parts before finishing');
    }
    clearTimeout(session.timer);
    this.sessions.delete(id);
    session.handover.close();
    try {
      return await session.added;
    } catch (error) {
      throw new UploadError(502, 'storage-failed', `upload ${id} could not be stored: ${error instanceof Error ? error.message : String(error)}`, 'check the IPFS node (/api/health), then upload again');
    }
  }

  /** Abandons `owner`'s session; nothing of it stays pinned. An upload already gone is not an error. */
  abort(owner: Address, id: string): void {
    if (!this.sessions.has(id)) return;
    // Throws for another account's upload: only its opener may drop it.
    this.session(owner, id);
    this.drop(id);
  }

  /** Drops a session and stops its add: the node never pins it. */
  private drop(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(id);
    const reason = new UploadError(409, 'aborted', `upload ${id} was aborted`, 'start the upload again');
    session.handover.fail(reason);
    session.abort.abort(reason);
    session.added.catch(() => undefined);
  }

  /** Open sessions, for health and tests. */
  get open(): number {
    return this.sessions.size;
  }
}
