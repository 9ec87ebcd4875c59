/** Whether this machine can run bubblewrap jobs, found by starting one, and the tools the jobs then use. */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ComputeEngine } from '../engine';
import { SandboxUnavailableError } from '../errors';
import { dropArgs, namespaceArgs, systemArgs } from './arguments';
import { findExecutable, INSTALL_HINT, isRoot, TOOL_ENV, USERNS_HINT, type Tools } from './host';
import { syscallFilter } from './seccomp';
import { sweepStaleSandboxes } from './sweep';

type Support = Awaited<ReturnType<ComputeEngine['support']>>;

let verified: Tools | undefined;

/** Finds the tools and runs /bin/true in a minimal sandbox; resolves the tools or a reason and hint. */
async function probe(): Promise<{ tools: Tools } | { reason: string; hint: string }> {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return { reason: 'bubblewrap (bwrap) is not installed', hint: INSTALL_HINT };
  const prlimit = findExecutable('prlimit');
  if (!prlimit) return { reason: 'prlimit (util-linux) is not installed', hint: INSTALL_HINT };
  // --disable-userns, and --size/--perms for tmpfs, arrived in bubblewrap 0.8.
  const version = await new Promise<string>((resolve) => {
    let text = '';
    const child = spawn(bwrap, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], env: TOOL_ENV });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('error', () => resolve(''));
    child.once('close', () => resolve(text.trim()));
  });
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  if (major === 0 && minor < 8) return { reason: `${version || 'bwrap'} is too old: the sandbox needs bubblewrap 0.8 or newer`, hint: INSTALL_HINT };
  const bash = findExecutable('bash');
  if (!bash) return { reason: 'bash is not installed', hint: 'install bash (`sudo apt-get install bash`), then retry' };
  const setpriv = findExecutable('setpriv');
  if (!setpriv) return { reason: 'setpriv (util-linux) is not installed', hint: INSTALL_HINT };
  const tools: Tools = { bwrap, prlimit, bash, pdeathsig: setpriv };
  if (isRoot()) {
    if (!realpathSync(setpriv).startsWith('/usr/')) return { reason: `setpriv at ${setpriv} is outside /usr, so the sandbox cannot run it`, hint: INSTALL_HINT };
    tools.setpriv = setpriv;
  }
  const filter = syscallFilter();
  const args = [...namespaceArgs(), ...(filter ? ['--seccomp', '3'] : []), ...systemArgs(), '--proc', '/proc', '--dev', '/dev', '--', ...dropArgs(tools), '/bin/true'];
  const result = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(bwrap, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: TOOL_ENV });
    const filterPipe = child.stdio[3] as Writable;
    filterPipe.on('error', () => undefined); // bwrap may fail before reading it: its stderr says why
    filterPipe.end(filter ?? Buffer.alloc(0));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error) => resolve({ code: null, stderr, error }));
    child.once('close', (code) => resolve({ code, stderr }));
  });
  if (result.code === 0) return { tools };
  const detail = (result.error?.message ?? result.stderr.trim()) || `exit code ${result.code}`;
  const namespaces = /namespace|permission|operation not permitted/i.test(detail);
  return { reason: `bubblewrap cannot start a sandbox here: ${detail}`, hint: namespaces ? USERNS_HINT : INSTALL_HINT };
}

/**
 * Whether this machine can run sandboxed jobs (bwrap and util-linux present, namespaces allowed), checked by
 * starting one. A success is remembered for the life of the process; a failure is checked again next time.
 */
export async function sandboxSupport(): Promise<Support> {
  if (verified) return { ok: true };
  const found = await probe();
  if ('tools' in found) {
    verified = found.tools;
    await sweepStaleSandboxes().catch(() => undefined); // once per process: what a killed predecessor left
    return { ok: true };
  }
  return { ok: false, reason: found.reason, hint: found.hint };
}

/** The tools a job runs with, once this machine is found able to run jobs; otherwise SandboxUnavailableError. */
export async function tools(): Promise<Tools> {
  const support = await sandboxSupport();
  if (!support.ok) throw new SandboxUnavailableError(support.reason, support.hint);
  return verified!;
}
