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

  /** The message followed by the hint, for CLI output. */
  describe(): string {
    return `${this.name}: ${this.message}\n  → ${this.hint}`;
  }
}
