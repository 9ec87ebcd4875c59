/** Runs one job in a fresh bubblewrap sandbox, from its first process to its copied-out outputs and logs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ALGORITHM_LOG, type SandboxEnforcement, type SandboxJob, type SandboxResult } from '../engine';
import { SandboxUnavailableError } from '../errors';
import { MAX_RELEASED_FILES } from '../guard/walk';
import { createWorkspace, type Workspace } from '../../os/workspace';
import { dropArgs, mountArgs, namespaceArgs, resolveCommand, writeEtc } from './arguments';
import { JobCgroups } from './cgroups';
import { copyOut, usage } from './copy-out';
import { INSTALL_HINT, isRoot, SANDBOX_USER, STAGING_PREFIX, TOOL_ENV } from './host';
import { AlgorithmLog } from './log';
import { tools } from './probe';
import { syscallFilter } from './seccomp';
import { checkSources, validate } from './validate';

/** RLIMIT_NOFILE of the algorithm's processes. */
const OPEN_FILES = 4096;
/** How often the outputs' and logs' sizes are checked where no tmpfs bounds them. */
const WATCH_INTERVAL_MS = 200;
/**
 * Room in the outputs' tmpfs beyond their cap. A tmpfs counts whole pages, so a small cap (a 4 KiB byte budget is
 * one page) would be full with one small file and read as an output-limit. With a page for each file the guard may
 * release, a full area still means more than the cap was written; copy-out holds the bytes kept to the cap.
 */
const OUTPUT_SLACK_BYTES = MAX_RELEASED_FILES * 4096;

/** Signal number → name; the first name wins where two share a number (SIGABRT, not SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(os.constants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);

/**
 * The job's first process, started before its sandbox is prepared: joining cgroups costs the kernel a
 * grace period (10–20 ms on an idle machine), spent while the node mounts the job's areas. setpriv arms its
 * parent-death signal before bash starts, and bash exits unless its parent is still the node (`$1`). Parent-death
 * signals still leave a window (bwrap's sandboxed child arms its own only after it is cloned), so a watcher forked
 * before the join, outside the job's cgroups, waits for the node's end of fd 6 to close — the node ended the job,
 * or died — and then kills whatever is left in them. The first process joins the job's cgroups, so nothing forks
 * outside them; closes every file descriptor the node inherited from its own parent without close-on-exec (all
 * but stdio, the filter on fd 4 and the command on fd 5); then reads the prlimit and bwrap command line,
 * NUL-separated, from fd 5 and execs it. Join failures are reported on fd 3.
 */
const FIRST_PROCESS = [
  '[ "$PPID" = "$1" ] || exit 125; shift',
  'procs=("${@:2:$1}")',
  'if [ ${#procs[@]} -gt 0 ]; then',
  '  ( exec </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&-; read -r -u 6 _',
  '    for round in {1..500}; do pids=$(cat "${procs[@]}" 2>/dev/null); [ -n "$pids" ] || exit 0; kill -KILL $pids 2>/dev/null; sleep 0.01; done ) &',
  'fi',
  'exec 6<&-',
  'for file in "${procs[@]}"; do echo $$ > "$file" 2>/dev/null || { echo "cannot join $file" >&3; exit 125; }; done',
  'exec 3>&-',
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; case $fd in 0|1|2|4|5) ;; *) [ -e /proc/$$/fd/$fd ] && exec {fd}>&- ;; esac; done',
  "mapfile -d '' -u 5 command; exec 5<&-",
  '[ ${#command[@]} -gt 0 ] || exit 0',
  'exec "${command[@]}"',
].join('\n');

/**
 * Runs `job.command` in a fresh sandbox and resolves when every process of it is gone and its outputs and logs
 * are copied out. Throws SandboxUnavailableError (no bwrap) or SandboxJobError (a bad job); the algorithm's own
 * failures are results, never exceptions.
 */
export async function runInSandbox(job: SandboxJob): Promise<SandboxResult> {
  validate(job);
  const found = await tools();
  const root = isRoot();
  const dropsPrivileges = found.setpriv !== undefined;
  await checkSources(job, dropsPrivileges);
  const uid = dropsPrivileges ? SANDBOX_USER.uid : (process.getuid?.() ?? SANDBOX_USER.uid);
  const gid = dropsPrivileges ? SANDBOX_USER.gid : (process.getgid?.() ?? SANDBOX_USER.gid);
  const { limits } = job;
  const command = resolveCommand(job.command[0]!);

  const started = performance.now();
  // Named after this process, so a later node can tell what a killed one left behind (sweepStaleSandboxes).
  const staging = await mkdtemp(path.join(os.tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const workspaces: Workspace[] = [];
  let cgroups: JobCgroups | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let log: AlgorithmLog | undefined;
  try {
    cgroups = await JobCgroups.create(`${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`, limits);
    const filter = syscallFilter();
    const procsFiles = cgroups.procsFiles();
    let setupError = '';
    // fd 3: join errors; fd 4: the seccomp program, read by bwrap; fd 5: the command line; fd 6: the watcher's.
    const first = spawn(found.pdeathsig, ['--pdeathsig', 'KILL', '--', found.bash, '-c', FIRST_PROCESS, 'datagora-sandbox', String(process.pid), String(procsFiles.length), ...procsFiles], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: TOOL_ENV,
    });
    child = first;
    exited = new Promise((resolve, reject) => {
      first.once('error', (error) => reject(new SandboxUnavailableError(`the sandbox could not be started: ${error.message}`, INSTALL_HINT, error)));
      first.once('exit', (code, signal) => resolve({ code, signal }));
    });
    exited.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
    const [, stdout, stderr, setup, filterPipe, commandPipe, watchPipe] = first.stdio as unknown as [null, Readable, Readable, Readable, Writable, Writable, Writable];
    // The first process may die before reading its pipes (a join failure, a kill): that is reported, not thrown.
    for (const pipe of [filterPipe, commandPipe, setup, watchPipe]) pipe.on('error', () => undefined);
    // Once bwrap is gone the node kills what is left itself; closing fd 6 then lets the watcher go too.
    void exited.finally(() => watchPipe.destroy()).catch(() => undefined);
    filterPipe.end(filter ?? Buffer.alloc(0));
    setup.setEncoding('utf8').on('data', (text: string) => (setupError += text));

    // Meanwhile: the private areas (tmpfs where the node may mount) and the sandbox's /etc files.
    const owner = root ? { owner: { uid, gid } } : {};
    const areas = await Promise.allSettled([createWorkspace(staging, limits.outputBytes + OUTPUT_SLACK_BYTES, owner), createWorkspace(staging, limits.logBytes, owner)]);
    for (const area of areas) if (area.status === 'fulfilled') workspaces.push(area.value);
    for (const area of areas) if (area.status === 'rejected') throw area.reason;
    const [outputs, logs] = workspaces as [Workspace, Workspace];
    // Both areas must be tmpfs for the kernel to bound them; otherwise a watcher and RLIMIT_FSIZE do.
    const outputMode: SandboxEnforcement['output'] = outputs.kind === 'tmpfs' && logs.kind === 'tmpfs' ? 'tmpfs' : 'rlimit+watch';
    const etc = path.join(staging, 'etc');
    await writeEtc(etc, uid, gid);
    log = new AlgorithmLog(path.join(logs.dir, ALGORITHM_LOG), limits.logBytes);
    const algorithmLog = log;
    stdout.on('data', (chunk: Buffer) => algorithmLog.write(chunk));
    stderr.on('data', (chunk: Buffer) => algorithmLog.write(chunk));

    const enforced: SandboxEnforcement = {
      memory: cgroups.memory?.version ?? 'rlimit',
      processes: cgroups.pids?.version ?? 'rlimit',
      cpu: cgroups.cpu?.version ?? 'none',
      output: outputMode,
      syscallFilter: filter !== undefined,
      uid,
    };
    const bwrapArgs = [
      ...namespaceArgs(),
      ...(filter ? ['--seccomp', '4'] : []),
      // No display: matplotlib draws with Agg (Debian's configuration names Tk, which a headless sandbox cannot start).
      ...Object.entries({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', MPLBACKEND: 'Agg', ...job.env }).flatMap(([name, value]) => ['--setenv', name, value]),
      ...mountArgs(job, { etc, outputs: outputs.dir, logs: logs.dir, command }),
      '--',
      ...dropArgs(found),
      command.exec,
      ...job.command.slice(1),
    ];
    // No file may outgrow its area; with tmpfs areas the kernel already bounds them, so only /tmp is concerned.
    const fileCap = outputMode === 'tmpfs' ? Math.max(limits.outputBytes, limits.logBytes, limits.memoryBytes) : Math.max(limits.outputBytes, limits.logBytes);
    const prlimitArgs = [
      '--core=0',
      `--nofile=${OPEN_FILES}`,
      `--fsize=${Math.ceil(fileCap)}`,
      // RLIMIT_DATA rather than RLIMIT_AS: V8 reserves far more address space than it uses, so node dies under AS.
      ...(cgroups.memory ? [] : [`--data=${limits.memoryBytes}`]),
      // RLIMIT_NPROC counts every task of the uid on the machine: on top of those it already has.
      ...(cgroups.pids ? [] : [`--nproc=${limits.processes + (await tasksOf(uid))}`]),
    ];
    commandPipe.end([found.prlimit, ...prlimitArgs, '--', found.bwrap, ...bwrapArgs].map((arg) => `${arg}\0`).join(''));

    let reason: 'timeout' | 'cancelled' | 'output-limit' | undefined;
    const stop = (why: NonNullable<typeof reason>) => {
      reason ??= why;
      first.kill('SIGKILL');
      void cgroups?.killAll();
    };
    const timer = setTimeout(() => stop('timeout'), limits.wallSeconds * 1000);
    const onAbort = () => stop('cancelled');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    if (job.signal?.aborted) onAbort();
    let watching = false;
    const watcher =
      outputMode === 'rlimit+watch'
        ? setInterval(() => {
            if (watching) return;
            watching = true;
            void Promise.all([usage(outputs.dir), usage(logs.dir)])
              .then(([out, logged]) => {
                if (out > limits.outputBytes || logged > limits.logBytes) stop('output-limit');
              })
              .finally(() => (watching = false));
          }, WATCH_INTERVAL_MS)
        : undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      exit = await exited;
      exited = undefined;
      // Anything that outlived bwrap (there should be nothing: its pid namespace is gone) dies now.
      await cgroups.killAll();
      await drained(first);
    } finally {
      clearTimeout(timer);
      if (watcher) clearInterval(watcher);
      job.signal?.removeEventListener('abort', onAbort);
      log.close();
      log = undefined;
    }
    const wallMs = Math.round(performance.now() - started);
    if (setupError) throw new SandboxUnavailableError(`the sandbox could not be set up: ${setupError.trim()}`, 'check that the node may write to its cgroups, or run it unprivileged');

    const [cpuMs, oom] = await Promise.all([cgroups.cpuMs(), cgroups.oomKilled()]);
    const removed = cgroups.remove();
    cgroups = undefined;

    // bwrap reports a signalled algorithm as 128 + the signal number.
    let exitCode = exit.code;
    let signal: string | null = exit.signal;
    if (exitCode !== null && exitCode > 128 && SIGNAL_NAMES.has(exitCode - 128)) {
      signal = SIGNAL_NAMES.get(exitCode - 128)!;
      exitCode = null;
    }
    // A full tmpfs (no block or no inode left) means writes were refused at the cap.
    const space = outputMode === 'tmpfs' ? await statfs(outputs.dir) : undefined;
    const outputsFull = space !== undefined && (space.bavail === 0 || space.ffree === 0);
    const discarded: string[] = [];
    const [overflow] = await Promise.all([
      copyOut(outputs.dir, job.outputs, limits.outputBytes, 'outputs', discarded),
      copyOut(logs.dir, job.logs, limits.logBytes, 'logs', discarded),
      removed,
    ]);

    const outcome: SandboxResult['outcome'] =
      reason === 'cancelled' || reason === 'timeout'
        ? reason
        : oom
          ? 'memory'
          : reason === 'output-limit' || signal === 'SIGXFSZ' || outputsFull || overflow
            ? 'output-limit'
            : signal !== null
              ? 'killed'
              : 'exited';
    return { outcome, exitCode, signal, wallMs, cpuMs, enforced, discarded: discarded.sort() };
  } finally {
    // On a failure before the run ended: the first process may still wait for its command line.
    if (child && exited) {
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
    }
    log?.close();
    if (cgroups) {
      await cgroups.killAll();
      await cgroups.remove();
    }
    await Promise.all(workspaces.map((workspace) => workspace.wipe().catch(() => undefined)));
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Tasks (threads included, as RLIMIT_NPROC counts them) that `uid` runs on this machine now. */
async function tasksOf(uid: number): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return count;
}

/** Resolves once the child's stdout and stderr are read to the end (at most 2 s after its exit: nothing of it should hold them). */
function drained(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) return resolve();
    const guard = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve();
    }, 2000);
    child.once('close', () => {
      clearTimeout(guard);
      resolve();
    });
  });
}
