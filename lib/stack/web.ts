/**
 * The Next.js app as a child process: a production build made on first start (and again when sources
 * change), then the production server (`datagora web`); or `next dev` for hot reload.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatagoraError } from '../errors';
import { heartbeat, type Logger } from './log';
import { processAlive, stopProcessGroup } from '../os/process';
import { spawnNode } from './process';

/** What a production build depends on; a change in any of these triggers a rebuild. */
const BUILD_INPUTS = ['app', 'components', 'lib', 'next.config.js', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];
const BUILD_STAMP = 'datagora-build.json';
const BUILD_HEARTBEAT_MS = 10_000;

export class WebBuildError extends DatagoraError {
  constructor(code: number | null) {
    super(`next build failed (exit ${code})`, 'read the [web] lines above; `npm run build` reproduces it');
  }
}

function nextBin(root: string): string {
  return require.resolve('next/dist/bin/next', { paths: [root] });
}

function listFiles(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry)
    .sort()
    .flatMap((name) => listFiles(path.join(entry, name)));
}

/** Hash of every build input's path and content. */
export function sourceFingerprint(root: string): string {
  const hash = createHash('sha256');
  for (const file of BUILD_INPUTS.flatMap((input) => listFiles(path.join(root, input)))) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function runChild(args: string[], root: string, env: NodeJS.ProcessEnv, log: Logger): ChildProcess {
  return spawnNode(nextBin(root), args, root, env, log);
}

/**
 * Holds the checkout's build lock while `run` runs: two `datagora start` in one checkout must not both write
 * `.next` (the second waits, then finds the build up to date). A lock whose holder died is taken over.
 */
export async function withBuildLock<T>(root: string, log: Logger, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lock = path.join(os.tmpdir(), `datagora-build-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.lock`);
  const owner = path.join(lock, 'pid');
  let waiting: ReturnType<typeof heartbeat> | undefined;
  try {
    for (;;) {
      try {
        mkdirSync(lock);
        writeFileSync(owner, String(process.pid));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : NaN);
        // A lock just made has no pid file yet: wait for it like a live one, unless it stayed so for long.
        const orphaned = Number.isInteger(holder) ? !processAlive(holder) : Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 10_000;
        if (orphaned) {
          rmSync(lock, { recursive: true, force: true });
          continue;
        }
        if (!waiting) {
          log('another start is building the app in this checkout; waiting for it…');
          waiting = heartbeat(log, BUILD_HEARTBEAT_MS, (seconds) => `still waiting for the other start's build, ${seconds} s so far…`);
        }
        signal?.throwIfAborted();
        await sleep(500);
      }
    }
  } finally {
    waiting?.stop();
  }
  try {
    return await run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the app unless a build of the same sources exists; `signal` stops a build in progress. */
export async function ensureProductionBuild(root: string, env: NodeJS.ProcessEnv, log: Logger, signal?: AbortSignal): Promise<void> {
  await withBuildLock(root, log, () => build(root, env, log, signal), signal);
}

async function build(root: string, env: NodeJS.ProcessEnv, log: Logger, signal?: AbortSignal): Promise<void> {
  const fingerprint = sourceFingerprint(root);
  const stampFile = path.join(root, '.next', BUILD_STAMP);
  if (existsSync(path.join(root, '.next', 'BUILD_ID')) && existsSync(stampFile)) {
    if (readFileSync(stampFile, 'utf8') === fingerprint) {
      log('production build is up to date');
      return;
    }
  }
  log('building the app (first start or sources changed): a few minutes…');
  const started = Date.now();
  // next build goes quiet for minutes at a time: a line every BUILD_HEARTBEAT_MS of silence says it still works.
  const progress = heartbeat(log, BUILD_HEARTBEAT_MS, (seconds, lastLine) => {
    const step = lastLine?.replace(/\s*(\.\.\.|…)$/, ''); // Next's own lines end in "...": one ellipsis will do
    return `still building, ${seconds} s so far${step ? ` (last step: ${step})` : ''}…`;
  });
  const child = runChild(['build'], root, { ...env, NEXT_TELEMETRY_DISABLED: '1' }, progress.log);
  const stop = () => void stopProcessGroup(child);
  signal?.addEventListener('abort', stop, { once: true });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() => {
    progress.stop();
    signal?.removeEventListener('abort', stop);
  });
  signal?.throwIfAborted();
  if (code !== 0) throw new WebBuildError(code);
  writeFileSync(stampFile, fingerprint);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Starts the production server (`datagora web`, ./web-server.ts) or `next dev` on host:port; returns the child. */
export function startWeb(
  root: string,
  options: { host: string; port: number; dev: boolean },
  env: NodeJS.ProcessEnv,
  log: Logger,
): ChildProcess {
  const args = ['--hostname', options.host, '--port', String(options.port)];
  const childEnv = { ...env, NEXT_TELEMETRY_DISABLED: '1' };
  return options.dev ? runChild(['dev', ...args], root, childEnv, log) : spawnNode(path.join(root, 'bin', 'datagora'), ['web', ...args], root, childEnv, log);
}
