/**
 * One market per DATAGORA_HOME: `datagora start` holds `<home>/start.lock` (its pid and the web app's URL)
 * from its first step until it has stopped, so a second start in the same checkout finds the first and says
 * where it is, instead of failing on the first taken port. A lock whose holder died is taken over.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatagoraError } from '../errors';
import { processAlive } from '../os/process';

export interface StartLockHolder {
  pid: number;
  /** The web app's URL in the holder's configuration. */
  url: string;
}

/** Another `datagora start` runs the market of this home, or is starting it. */
export class MarketRunningError extends DatagoraError {
  constructor(
    readonly holder: StartLockHolder,
    /** Whether its web app answered: running, not just starting. */
    readonly answering: boolean,
  ) {
    super(
      answering
        ? `Datagora is already running at ${holder.url} (pid ${holder.pid})`
        : `Datagora is already starting (pid ${holder.pid}); it will be at ${holder.url}`,
      `open ${holder.url}, or stop that one (Ctrl-C where it runs) before starting again; a second market beside it needs its own DATAGORA_HOME and ports`,
    );
  }
}

export function startLockFile(home: string): string {
  return path.join(home, 'start.lock');
}

function readHolder(file: string): StartLockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<StartLockHolder>;
    return Number.isInteger(holder.pid) && typeof holder.url === 'string' ? (holder as StartLockHolder) : undefined;
  } catch {
    return undefined; // gone meanwhile, or not ours
  }
}

/**
 * Takes `home`'s start lock for this process, announcing the market at `url`; returns the holder instead while
 * another live process has it. `release` gives the lock up (if it is still this process's).
 */
export function claimStartLock(home: string, url: string): { release(): void } | { holder: StartLockHolder } {
  mkdirSync(home, { recursive: true });
  const file = startLockFile(home);
  // Written whole beside the lock, then linked into place: a reader never sees a half-written lock.
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, JSON.stringify({ pid: process.pid, url } satisfies StartLockHolder));
  try {
    for (;;) {
      try {
        linkSync(draft, file);
        return {
          release: () => {
            if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder && processAlive(holder.pid)) return { holder };
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Whether a web app answers at `url` (any HTTP answer: a market with a component down still runs). */
export async function webAnswers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}
