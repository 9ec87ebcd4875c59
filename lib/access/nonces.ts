/**
 * The SIWE nonces a key node has accepted, kept until their message expires so that a signed message is
 * good for one share only, even across restarts. An append-only log (`<expiresAtMs> <key>` per line),
 * compacted when it opens and whenever it holds mostly expired entries.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';

/** Compact once this many lines were appended since the last compaction (and most are dead). */
const COMPACT_AFTER_LINES = 1_024;

export class NonceStore {
  private readonly live = new Map<string, number>();
  private fd: number;
  private appended = 0;

  /** Opens (or creates) the log at `file`, dropping the entries that have expired. */
  constructor(private readonly file: string) {
    const now = Date.now();
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [expires, key] = line.split(' ');
        const expiresAt = Number(expires);
        if (key && expiresAt > now) this.live.set(key, expiresAt);
      }
    }
    this.fd = this.rewrite();
  }

  /**
   * Records `key` as used until `expiresAt` (ms since the epoch). Returns false if it was already used: a
   * replay. Synchronous, so concurrent requests cannot both claim the same key.
   */
  claim(key: string, expiresAt: number): boolean {
    const now = Date.now();
    const known = this.live.get(key);
    if (known !== undefined && known > now) return false;
    this.live.set(key, expiresAt);
    // Written before the share is released, so a crash right after cannot reopen the replay.
    writeSync(this.fd, `${expiresAt} ${key}\n`);
    this.appended++;
    if (this.appended >= COMPACT_AFTER_LINES && this.appended >= 2 * this.live.size) this.compact(now);
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  private compact(now: number): void {
    for (const [key, expiresAt] of this.live) if (expiresAt <= now) this.live.delete(key);
    closeSync(this.fd);
    this.fd = this.rewrite();
  }

  /** Replaces the log with the live entries and opens it for appending. */
  private rewrite(): number {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, [...this.live].map(([key, expiresAt]) => `${expiresAt} ${key}\n`).join(''), { mode: 0o600 });
    renameSync(temporary, this.file);
    this.appended = 0;
    return openSync(this.file, 'a', 0o600);
  }
}
