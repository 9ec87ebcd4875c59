/**
 * Base of every error Datagora throws on purpose: a short name, what happened, and what to do about it.
 */
export class DatagoraError extends Error {
  /** What the user can do to fix it. */
  readonly hint: string;

  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }

  /**
   * The HTTP status the web API answers with when this error ends a request: the caller's input unless the
   * class says otherwise (a missing thing, a service that is down).
   */
  get httpStatus(): number {
    return 400;
  }

  /** The message followed by the hint, for CLI output. */
  describe(): string {
    return `${this.name}: ${this.message}\n  → ${this.hint}`;
  }
}

/** A service the request needs (chain, storage, key network, indexer…) does not answer: not the caller's fault. */
export class UnavailableError extends DatagoraError {
  override get httpStatus(): number {
    return 503;
  }
}
