/**
 * Uploads from browsers, in parts: a browser cannot stream one request body over HTTP/1.1, so the web app's
 * publish wizard sends the ciphertext it encrypts as numbered parts, in order, and each part is piped straight
 * into one streaming IPFS add. Nothing is buffered beyond the part in flight, and the server only ever sees
 * ciphertext. A session that stops receiving parts is aborted, and nothing of it is pinned.
 */
import { randomUUID } from 'node:crypto';
import { DatagoraError } from '../errors';
import type { ContentStore } from './index';

/** An upload request the server refuses: HTTP status, a stable code and words. */
export class UploadError extends DatagoraError {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 502,
    readonly code: string,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

export interface UploadLimits {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** A session with no part for this long is aborted. */
  idleMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBytes: 16 * 1024 ** 3, idleMs: 120_000 };

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
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {}

  /** Opens a session for exactly `size` bytes and starts the IPFS add that its parts feed. */
  start(size: number): { id: string } {
    if (!Number.isSafeInteger(size) || size <= 0) throw new UploadError(400, 'bad-size', `an upload declares its size in bytes, a positive whole number, not ${size}`, 'send { "size": <bytes> }');
    if (size > this.limits.maxBytes) {
      throw new UploadError(413, 'too-large', `the upload is ${size} bytes, over the ${this.limits.maxBytes}-byte limit`, 'publish large files with the CLI (`datagora publish`) or split the dataset');
    }
    const id = randomUUID();
    const handover = new Handover();
    const abort = new AbortController();
    const added = this.store.add(handover, { signal: abort.signal });
    // A failed add fails the parts still to come; its own rejection is reported by finish().
    added.catch((error: unknown) => handover.fail(error));
    const session: Session = { size, received: 0, nextPart: 0, busy: false, handover, abort, added, timer: this.idleTimer(id) };
    this.sessions.set(id, session);
    return { id };
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.abort(id), this.limits.idleMs);
    timer.unref();
    return timer;
  }

  private session(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new UploadError(404, 'unknown-upload', `there is no upload ${id} (finished, aborted after ${this.limits.idleMs / 1000} s idle, or never started)`, 'start the upload again');
    return session;
  }

  /** Pipes part `part` (0, 1, 2… in order) into the add; resolves once the store has taken all of it. */
  async append(id: string, part: number, body: AsyncIterable<Uint8Array>): Promise<{ received: number }> {
    const session = this.session(id);
    if (session.busy || part !== session.nextPart) {
      throw new UploadError(409, 'out-of-order', `upload ${id} expects part ${session.nextPart}${session.busy ? ' after the one in flight' : ''}, not part ${part}`, 'send the parts one after another, in order');
    }
    session.busy = true;
    clearTimeout(session.timer);
    try {
      for await (const chunk of body) {
        session.received += chunk.length;
        if (session.received > session.size) {
          this.abort(id);
          throw new UploadError(413, 'over-declared-size', `upload ${id} sent more than the ${session.size} bytes it declared`, 'declare the exact ciphertext size when starting');
        }
        await session.handover.push(chunk);
      }
    } catch (error) {
      this.abort(id);
      if (error instanceof UploadError) throw error;
      throw new UploadError(502, 'storage-failed', `upload ${id} failed: ${error instanceof Error ? error.message : String(error)}`, 'check the IPFS node (/api/health), then upload again');
    }
    session.busy = false;
    session.nextPart++;
    session.timer = this.idleTimer(id);
    return { received: session.received };
  }

  /** Ends the upload once every declared byte arrived; resolves with the pinned file's CID and size. */
  async finish(id: string): Promise<{ cid: string; size: number }> {
    const session = this.session(id);
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

  /** Drops a session and stops its add; nothing of it stays pinned. */
  abort(id: string): void {
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
