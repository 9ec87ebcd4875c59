/**
 * The compute sandbox with real bubblewrap: algorithms run, see only their binds, and every escape attempt in
 * test/compute/escapes/ is contained. These tests need bwrap (CI installs it); without it they fail with the
 * install hint rather than skip.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LOG_TRUNCATED_MARKER, runInSandbox, SANDBOX_USER, sandboxSupport, sweepStaleSandboxes } from '@/lib/compute/bubblewrap';
import { ALGORITHM_LOG, type SandboxJob, type SandboxLimits, type SandboxResult } from '@/lib/compute/engine';
import { createWorkspace } from '@/lib/os/workspace';
import { processesWith } from '../helpers/processes';

const ESCAPES = path.join(__dirname, 'escapes');
const PYTHON = '/usr/bin/python3';
const MiB = 1024 * 1024;
const LIMITS: SandboxLimits = { wallSeconds: 60, memoryBytes: 512 * MiB, cpus: 1, processes: 64, outputBytes: 4 * MiB, logBytes: 256 * 1024 };
const isRoot = process.getuid?.() === 0;

let scratch: string;

beforeAll(async () => {
  const support = await sandboxSupport();
  if (!support.ok) throw new Error(`${support.reason}\n  → ${support.hint}`);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-sandbox-test-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Ran {
  result: SandboxResult;
  dir: string;
  outputs: string;
  logs: string;
  log: string;
  json<T>(name: string): T;
}

/**
 * Runs `algorithm` (a file in escapes/, or a path) with `args` on a fresh inputs/outputs/logs layout. Inputs
 * are readable by the sandbox user; the job directory itself is private (0700), as a provider's workspace is.
 */
async function run(
  algorithm: string,
  args: string[] = [],
  options: { limits?: Partial<SandboxLimits>; job?: Partial<SandboxJob>; command?: string[]; worldWritableInputs?: boolean } = {},
): Promise<Ran> {
  const dir = mkdtempSync(path.join(scratch, 'job-'));
  const inputs = path.join(dir, 'inputs');
  mkdirSync(path.join(inputs, '7'), { recursive: true });
  writeFileSync(path.join(inputs, '7', '0'), 'name,score\nada,3\nbob,5\n');
  writeFileSync(path.join(inputs, 'algoCustomData.json'), JSON.stringify({ column: 'score' }));
  // Permissions that would allow writing, so only the read-only bind can be what stops it.
  const [dirMode, fileMode] = options.worldWritableInputs ? [0o777, 0o666] : [0o755, 0o644];
  for (const item of [inputs, path.join(inputs, '7')]) chmodSync(item, dirMode);
  for (const item of [path.join(inputs, '7', '0'), path.join(inputs, 'algoCustomData.json')]) chmodSync(item, fileMode);
  const file = path.isAbsolute(algorithm) ? algorithm : path.join(ESCAPES, algorithm);
  const name = path.basename(file);
  const outputs = path.join(dir, 'outputs');
  const logs = path.join(dir, 'logs');
  const result = await runInSandbox({
    command: options.command ?? [PYTHON, `/data/transformations/${name}`, ...args],
    inputs,
    algorithm: file,
    outputs,
    logs,
    limits: { ...LIMITS, ...options.limits },
    ...options.job,
  });
  const logFile = path.join(logs, ALGORITHM_LOG);
  return {
    result,
    dir,
    outputs,
    logs,
    log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '',
    json: <T>(file: string) => JSON.parse(readFileSync(path.join(outputs, file), 'utf8')) as T,
  };
}

/** Writes an algorithm into a fresh private directory and returns its path. */
function algorithmFile(name: string, source: string): string {
  const dir = mkdtempSync(path.join(scratch, 'algo-'));
  const file = path.join(dir, name);
  writeFileSync(file, source, { mode: 0o644 });
  return file;
}

/** Bytes of the regular files under `dir`. */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Our own cgroup directories' children and our tmpfs mounts: what a run must not leave behind. */
function leftovers(): string[] {
  const found: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint?.includes('datagora-sandbox-') && !mountPoint.includes('datagora-sandbox-test-')) found.push(mountPoint);
  }
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, where] = line.split(':');
    if (where === undefined) continue;
    const mount = controllers === '' ? ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'] : controllers!.split(',').map((c) => `/sys/fs/cgroup/${c}`);
    for (const base of mount) {
      const dir = path.join(base, where);
      if (!existsSync(dir)) continue;
      for (const child of readdirSync(dir)) if (child.startsWith('datagora-')) found.push(path.join(dir, child));
    }
  }
  return found;
}

describe('sandbox support', () => {
  it('finds bwrap on this machine', async () => {
    expect(await sandboxSupport()).toEqual({ ok: true });
  });

  it('says bwrap is missing, with the apt-get hint, where it is not installed', () => {
    // A real process on a system view where /usr/bin/bwrap is not executable (masked by /dev/null).
    const script = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
      require(${JSON.stringify(path.resolve(__dirname, '../../lib/compute/bubblewrap/index.ts'))}).sandboxSupport().then((r) => console.log(JSON.stringify(r)));`;
    const masked = spawnSync('bwrap', ['--dev-bind', '/', '/', '--ro-bind', '/dev/null', '/usr/bin/bwrap', '--', process.execPath, '-e', script], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', NODE_ENV: 'test' },
    });
    expect(masked.stderr).toBe('');
    const support = JSON.parse(masked.stdout.trim().split('\n').pop()!) as { ok: boolean; reason: string; hint: string };
    expect(support.ok).toBe(false);
    expect(support.reason).toMatch(/bubblewrap.*not installed/);
    expect(support.hint).toContain('apt-get install bubblewrap');
  });
});

describe('algorithms run', () => {
  it('runs a Python algorithm: reads inputs, writes outputs, logs stdout and stderr, sees only its environment', async () => {
    process.env.DATAGORA_TEST_HOST_SECRET = 'host-only';
    const algorithm = algorithmFile(
      'algorithm.py',
      `import csv, json, os, sys
params = json.load(open('/data/inputs/algoCustomData.json'))
rows = list(csv.DictReader(open('/data/inputs/7/0')))
total = sum(int(row[params['column']]) for row in rows)
os.makedirs('/data/outputs/summary')
open('/data/outputs/summary/total.json', 'w').write(json.dumps({'total': total, 'dids': json.loads(os.environ['DIDS'])}))
open('/data/outputs/env.json', 'w').write(json.dumps(dict(os.environ)))
print('summed', len(rows), 'rows')
print('a warning', file=sys.stderr)
`,
    );
    const ran = await run(algorithm, [], { job: { env: { DIDS: '["7"]' } } });
    delete process.env.DATAGORA_TEST_HOST_SECRET;
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0, signal: null, discarded: [] });
    expect(ran.json('summary/total.json')).toEqual({ total: 8, dids: ['7'] });
    expect(ran.log).toContain('summed 2 rows');
    expect(ran.log).toContain('a warning');
    const env = ran.json<Record<string, string>>('env.json');
    expect(env.DIDS).toBe('["7"]');
    expect(env.HOME).toBe('/tmp');
    expect(env.DATAGORA_TEST_HOST_SECRET).toBeUndefined();
    expect(Object.keys(env).filter((k) => !['PATH', 'HOME', 'LANG', 'MPLBACKEND', 'DIDS', 'PWD', 'LC_CTYPE'].includes(k))).toEqual([]);
    // Copied out as regular files owned by the node, whoever the algorithm ran as.
    expect(statSync(path.join(ran.outputs, 'env.json')).uid).toBe(process.getuid!());
    expect(ran.result.enforced.uid).toBe(isRoot ? SANDBOX_USER.uid : process.getuid!());
    expect(ran.result.wallMs).toBeGreaterThan(0);
    if (ran.result.enforced.cpu !== 'none' || ran.result.enforced.memory !== 'rlimit') expect(ran.result.cpuMs).not.toBeNull();
  });

  it('imports numpy, pandas and scikit-learn with /usr/bin/python3', async () => {
    const algorithm = algorithmFile(
      'fit.py',
      `import numpy as np, pandas as pd
from sklearn.linear_model import LinearRegression
frame = pd.read_csv('/data/inputs/7/0')
x = np.arange(10, dtype=float).reshape(-1, 1)
model = LinearRegression().fit(x, 2 * x.ravel() + 1)
open('/data/outputs/fit.txt', 'w').write('%.3f %.3f %d' % (model.coef_[0], model.intercept_, len(frame)))
`,
    );
    const ran = await run(algorithm);
    expect(ran.log).not.toMatch(/Error/);
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(readFileSync(path.join(ran.outputs, 'fit.txt'), 'utf8')).toBe('2.000 1.000 2');
  });

  it(`runs a Node.js algorithm with this process's node (${process.execPath})`, async () => {
    const algorithm = algorithmFile(
      'algorithm.js',
      `const fs = require('node:fs');
const rows = fs.readFileSync('/data/inputs/7/0', 'utf8').trim().split('\\n').slice(1);
fs.writeFileSync('/data/outputs/count.json', JSON.stringify({ rows: rows.length, node: process.version, uid: process.getuid() }));
console.log('counted', rows.length);
`,
    );
    const ran = await run(algorithm, [], { command: [process.execPath, '/data/transformations/algorithm.js'] });
    expect(ran.log).toContain('counted 2');
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(ran.json('count.json')).toEqual({ rows: 2, node: process.version, uid: ran.result.enforced.uid });
  });

  it('reports the exit code of a failing algorithm and the signal of a crashing one', async () => {
    const failed = await run('crash.py', ['exit', '3']);
    expect(failed.result).toMatchObject({ outcome: 'exited', exitCode: 3, signal: null });
    expect(failed.log).toContain('exiting with 3');
    const crashed = await run('crash.py', ['abort']);
    expect(crashed.result).toMatchObject({ outcome: 'killed', exitCode: null, signal: 'SIGABRT' });
    expect(crashed.log).toContain('aborting');
  });

  it('kills everything when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const ran = await run('crash.py', ['sleep', '30'], { job: { signal: controller.signal } });
    expect(ran.result).toMatchObject({ outcome: 'cancelled', exitCode: null, signal: 'SIGKILL' });
    expect(ran.result.wallMs).toBeLessThan(30_000);
  });

  it('binds the GPU device nodes and library directories it is given, and no others', async () => {
    // No GPU here: a harmless device node stands in for /dev/nvidia0, a scratch directory for the CUDA libraries.
    const libraries = mkdtempSync(path.join(scratch, 'cuda-'));
    chmodSync(libraries, 0o755);
    writeFileSync(path.join(libraries, 'libcuda.so.1'), 'not really', { mode: 0o644 });
    const algorithm = algorithmFile(
      'gpu.py',
      `import json, os, stat, sys
device, libraries = sys.argv[1], sys.argv[2]
seen = {'device': stat.S_ISCHR(os.stat(device).st_mode), 'kvm': os.path.exists('/dev/kvm'), 'libraries': sorted(os.listdir(libraries))}
try:
    open(os.path.join(libraries, 'planted'), 'w')
    seen['write'] = 'succeeded'
except OSError as error:
    seen['write'] = error.strerror
open('/data/outputs/gpu.json', 'w').write(json.dumps(seen))
`,
    );
    const ran = await run(algorithm, ['/dev/loop-control', libraries], { job: { gpu: { devices: ['/dev/loop-control'], libraryDirs: [libraries] } } });
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(ran.json('gpu.json')).toEqual({ device: true, kvm: false, libraries: ['libcuda.so.1'], write: 'Read-only file system' });
  });

  it('rejects inputs the sandbox user cannot read, with a fix', async () => {
    if (!isRoot) return; // unprivileged, the algorithm runs as the caller and reads what it reads
    const dir = mkdtempSync(path.join(scratch, 'private-'));
    await expect(
      runInSandbox({ command: [PYTHON, '/data/transformations/crash.py', 'exit', '0'], inputs: dir, algorithm: path.join(ESCAPES, 'crash.py'), outputs: path.join(dir, 'o'), logs: path.join(dir, 'l'), limits: LIMITS }),
    ).rejects.toMatchObject({ name: 'SandboxJobError', hint: expect.stringContaining('chmod o+rX') });
  });
});

describe('escapes are contained', () => {
  let server: net.Server;
  let port: number;
  let connections = 0;
  const hostAddress = Object.values(os.networkInterfaces())
    .flat()
    .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;

  beforeAll(async () => {
    server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('has no network: not the host loopback, not the host address, no DNS', async () => {
    // Positive control: from outside the sandbox the server answers on both addresses.
    for (const address of ['127.0.0.1', hostAddress].filter(Boolean) as string[]) {
      await new Promise<void>((resolve, reject) => net.connect(port, address, resolve).once('error', reject));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = connections;
    expect(before).toBeGreaterThan(0);

    const ran = await run('network.py', [String(port), hostAddress ?? '']);
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    const seen = ran.json<Record<string, { ok: boolean; value?: unknown; error?: string }>>('network.json');
    expect(seen.loopback).toMatchObject({ ok: false, error: expect.stringMatching(/ConnectionRefused/) });
    if (hostAddress) expect(seen.host).toMatchObject({ ok: false, error: expect.stringMatching(/unreachable|OSError/i) });
    expect(seen.dns!.ok).toBe(false);
    expect(seen.dns_ip!.ok).toBe(false);
    expect(seen.udp!.ok).toBe(false);
    expect(seen.interfaces).toEqual({ ok: true, value: ['lo'] });
    expect(connections).toBe(before);
  });

  it('sees no host files and cannot change its inputs', async () => {
    process.env.DATAGORA_TEST_HOST_SECRET = 'host-only';
    const secretDir = mkdtempSync(path.join(scratch, 'secret-'));
    chmodSync(secretDir, 0o755);
    const secret = path.join(secretDir, 'secret.txt');
    writeFileSync(secret, 'the node key', { mode: 0o644 });
    const ran = await run('files.py', [secret, secretDir, os.homedir(), '/root', '/etc/shadow', '/etc/ssh', path.resolve(__dirname, '../../package.json'), '/sys', '/proc/1/environ'], {
      worldWritableInputs: true,
    });
    delete process.env.DATAGORA_TEST_HOST_SECRET;
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    const seen = ran.json<{
      read: Record<string, { exists: boolean; content?: string; listing?: string[]; error?: string }>;
      write: Record<string, string>;
      uid: number;
      etc: string[];
      caps: string[];
      fds: number[];
      userns: string;
    }>('files.json');
    for (const target of [secret, secretDir, '/etc/shadow', '/etc/ssh', path.resolve(__dirname, '../../package.json'), '/sys']) {
      expect({ target, ...seen.read[target] }).toEqual({ target, exists: false, error: 'No such file or directory' });
    }
    for (const home of [os.homedir(), '/root']) expect(seen.read[home]!.content ?? seen.read[home]!.listing ?? []).toEqual([]);
    // bwrap's init: root's under a root node; unprivileged, it is the algorithm's own uid, with the tools' bare environment.
    if (isRoot) expect(seen.read['/proc/1/environ']!.content).toBeUndefined();
    expect(seen.read['/proc/1/environ']!.content ?? '').not.toContain('host-only');
    expect(seen.etc).toEqual(['alternatives', 'group', 'hosts', 'ld.so.cache', ...(existsSync('/etc/matplotlibrc') ? ['matplotlibrc'] : []), 'passwd']);
    expect(seen.caps.every((mask) => /^0+$/.test(mask))).toBe(true);
    expect(seen.userns).toBe('refused');
    expect(seen.fds).toEqual([0, 1, 2, 3]); // nothing inherited from the node's own parent
    for (const [attempt, outcome] of Object.entries(seen.write)) expect({ attempt, outcome }).not.toEqual({ attempt, outcome: 'succeeded' });
    expect(seen.write['create in inputs']).toBe('Read-only file system');
    expect(seen.write['append to an input']).toBe('Read-only file system');
    expect(readFileSync(path.join(ran.dir, 'inputs', '7', '0'), 'utf8')).toBe('name,score\nada,3\nbob,5\n');
    expect(readFileSync(path.join(ran.dir, 'inputs', 'algoCustomData.json'), 'utf8')).toBe('{"column":"score"}');
    expect(readdirSync(path.join(ran.dir, 'inputs')).sort()).toEqual(['7', 'algoCustomData.json']);
    if (isRoot) expect(seen.uid).toBe(SANDBOX_USER.uid);
  });

  it('copies out only regular files: no links to host files, hard links once, no pipes', async () => {
    const secret = path.join(scratch, 'node-key.txt');
    writeFileSync(secret, 'the node key');
    const ran = await run('links.py', [secret]);
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    const copied = readdirSync(ran.outputs, { recursive: true, withFileTypes: true });
    expect(copied.filter((entry) => !entry.isFile() && !entry.isDirectory())).toEqual([]);
    expect(copied.filter((entry) => entry.isFile()).map((entry) => path.relative(ran.outputs, path.join(entry.parentPath, entry.name))).sort()).toEqual([
      'copy00',
      'nested/deeper/kept.txt',
    ]);
    expect(ran.result.discarded).toEqual(
      expect.arrayContaining([
        'outputs/shadow (symbolic link)',
        'outputs/secret (symbolic link)',
        'outputs/root (symbolic link)',
        'outputs/pipe (named pipe)',
        'outputs/one (hard link to a file already copied)',
        'logs/log-link (symbolic link)',
      ]),
    );
    expect(lstatSync(path.join(ran.logs, ALGORITHM_LOG)).isFile()).toBe(true);
    expect(existsSync(path.join(ran.logs, 'log-link'))).toBe(false);
  });

  it('bounds a fork bomb by the process limit and leaves nothing running', async () => {
    const counted = await run('forks.py', ['1000'], { limits: { processes: 16 } });
    expect(counted.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    const { forks, errno } = counted.json<{ forks: number; errno: number | null }>('forks.json');
    expect(forks).toBeLessThan(16);
    expect(errno).toBe(os.constants.errno.EAGAIN);

    const before = leftovers();
    const bomb = await run('forkbomb.py', [], { limits: { processes: 32, wallSeconds: 3 } });
    expect(bomb.result).toMatchObject({ outcome: 'timeout', signal: 'SIGKILL' });
    expect(processesWith('cmdline', '/data/transformations/forkbomb.py')).toEqual([]);
    expect(leftovers().filter((item) => !before.includes(item))).toEqual([]);
  });

  it('kills a memory hog for memory', async () => {
    const ran = await run('memory.py', [], { limits: { memoryBytes: 128 * MiB } });
    const reached = Number(readFileSync(path.join(ran.outputs, 'progress'), 'utf8'));
    expect(reached).toBeLessThanOrEqual(128);
    expect(ran.log).not.toContain('unhindered');
    if (ran.result.enforced.memory === 'rlimit') expect(ran.result.exitCode).not.toBe(0);
    else expect(ran.result).toMatchObject({ outcome: 'memory', signal: 'SIGKILL' });
  });

  it('stops a CPU spin at the wall limit, within its CPU quota', async () => {
    const ran = await run('spin.py', [], { limits: { wallSeconds: 2, cpus: 0.5 } });
    expect(ran.result).toMatchObject({ outcome: 'timeout', exitCode: null, signal: 'SIGKILL' });
    expect(processesWith('cmdline', '/data/transformations/spin.py')).toEqual([]);
    // Four spinning processes on a half-core quota: the cgroup holds them to about half the wall time.
    if (ran.result.enforced.cpu !== 'none') expect(ran.result.cpuMs!).toBeLessThan(ran.result.wallMs * 0.75);
  });

  it('stops outputs at their cap and keeps the host copy within it', async () => {
    const cap = 4 * MiB;
    const ran = await run('outputs.py', [String(cap)], { limits: { outputBytes: cap } });
    expect(ran.result.outcome).toBe('output-limit');
    expect(diskBytes(ran.outputs)).toBeLessThanOrEqual(cap);
    // Within a tmpfs the sparse file could be made (and is not copied); under RLIMIT_FSIZE it was refused.
    if (ran.result.enforced.output === 'tmpfs') expect(ran.result.discarded).toContain('outputs/sparse (over the outputs limit)');
    else expect(ran.log).toContain('sparse file refused');
  });

  it('truncates a flood of stdout and stderr at the log limit, with a marker', async () => {
    const limit = 64 * 1024;
    const ran = await run('logs.py', [String(4 * MiB)], { limits: { logBytes: limit } });
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(diskBytes(ran.logs)).toBeLessThanOrEqual(limit);
    expect(ran.log.endsWith(LOG_TRUNCATED_MARKER)).toBe(true);
    expect(ran.log).toContain('x'.repeat(1023));
  });

  it('leaves no setsid double-forked daemon behind', async () => {
    const token = `datagora-daemon-${randomBytes(6).toString('hex')}`;
    const before = leftovers();
    const running = run('daemon.py', [token, '1.5']);
    // Positive control: while the job runs, its daemon is visible from the host.
    let seenAlive = false;
    for (let i = 0; i < 100 && !seenAlive; i++) {
      seenAlive = processesWith('cmdline', token).length > 0;
      if (!seenAlive) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ran = await running;
    expect(seenAlive).toBe(true);
    expect(ran.result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(readFileSync(path.join(ran.outputs, 'daemon-started'), 'utf8')).toBe('yes');
    expect(processesWith('cmdline', token)).toEqual([]);
    expect(leftovers().filter((item) => !before.includes(item))).toEqual([]);
  });
});

/**
 * A job running escapes/daemon.py for 60 s under a fresh token, and the script of a node process of its own that
 * runs it (`prelude` first). The job goes in the environment: the token must be in no command line but the algorithm's.
 */
function daemonJob(prefix: string, prelude = ''): { token: string; script: string; env: NodeJS.ProcessEnv } {
  const token = `${prefix}-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(scratch, `${prefix}-`));
  mkdirSync(path.join(dir, 'inputs'), { mode: 0o755 });
  chmodSync(path.join(dir, 'inputs'), 0o755);
  const job: SandboxJob = {
    command: [PYTHON, '/data/transformations/daemon.py', token, '60'],
    inputs: path.join(dir, 'inputs'),
    algorithm: path.join(ESCAPES, 'daemon.py'),
    outputs: path.join(dir, 'outputs'),
    logs: path.join(dir, 'logs'),
    limits: LIMITS,
  };
  const script = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
    ${prelude}
    require(${JSON.stringify(path.resolve(__dirname, '../../lib/compute/bubblewrap/index.ts'))}).runInSandbox(JSON.parse(process.env.JOB));`;
  return { token, script, env: { ...process.env, JOB: JSON.stringify(job) } };
}

describe('a node killed mid-job', () => {
  it('takes its algorithm down with it, and the next node removes what it left', async () => {
    const { token, script, env } = daemonJob('datagora-orphan');
    const before = leftovers();
    const node = spawn(process.execPath, ['-e', script], { stdio: 'ignore', env });
    const gone = new Promise((resolve) => node.once('exit', resolve));
    // Killed once the algorithm itself runs (bwrap's own command line names the token before that).
    const algorithmRuns = () =>
      processesWith('cmdline', token).some((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === PYTHON;
        } catch {
          return false; // exited meanwhile
        }
      });
    let running = false;
    for (let i = 0; i < 200 && !running; i++) {
      running = algorithmRuns();
      if (!running) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(running).toBe(true);
    node.kill('SIGKILL');
    await gone;

    // bwrap dies with its parent, and the algorithm's whole pid namespace with it.
    for (let i = 0; i < 200 && processesWith('cmdline', token).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(processesWith('cmdline', token)).toEqual([]);
    const staging = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith(`datagora-sandbox-${node.pid}-`));
    const left = leftovers().filter((item) => !before.includes(item));
    expect(staging()).toHaveLength(1); // positive control: the killed node could not clean up
    if (isRoot) expect(left.length).toBeGreaterThan(0); // its tmpfs areas and cgroups (unprivileged: plain directories)

    const removed = await sweepStaleSandboxes();
    expect(removed).toEqual(expect.arrayContaining(left.filter((item) => item.includes('/sys/fs/cgroup'))));
    expect(staging()).toEqual([]);
    expect(leftovers().filter((item) => !before.includes(item))).toEqual([]);
  });
});

describe('a node killed while its sandbox starts', () => {
  it('takes the job with it even when it dies after handing over the command line, before bwrap is up', async () => {
    // The node is killed the moment it has written the first process's command line: that process then
    // still joins its cgroups and has yet to exec bwrap, whose --die-with-parent would come too late.
    const { token, script, env } = daemonJob(
      'datagora-early',
      `const childProcess = require('node:child_process');
      const spawn = childProcess.spawn;
      childProcess.spawn = (...args) => {
        const child = spawn(...args);
        if (args[1].includes('datagora-sandbox')) {
          const commandPipe = child.stdio[5];
          const end = commandPipe.end.bind(commandPipe);
          commandPipe.end = (...rest) => { end(...rest); process.kill(process.pid, 'SIGKILL'); };
        }
        return child;
      };`,
    );
    const node = spawn(process.execPath, ['-e', script], { stdio: 'ignore', env });
    const signal = await new Promise((resolve) => node.once('exit', (_code, killed) => resolve(killed)));
    expect(signal).toBe('SIGKILL');
    // Nothing of the job is left: not the algorithm, not the first process or its watcher.
    const left = () => [...processesWith('cmdline', token), ...processesWith('cmdline', `datagora-sandbox-${node.pid}-`)];
    for (let i = 0; i < 60 && left().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(left()).toEqual([]);
    await sweepStaleSandboxes();
  });
});

describe('createWorkspace', () => {
  it('makes a private, size-limited area and wipes it', async () => {
    const workspace = await createWorkspace(path.join(scratch, 'workspaces'), 1 * MiB);
    expect(statSync(workspace.dir).mode & 0o777).toBe(0o700);
    writeFileSync(path.join(workspace.dir, 'small'), Buffer.alloc(512 * 1024));
    if (isRoot) {
      expect(workspace.kind).toBe('tmpfs');
      expect(() => writeFileSync(path.join(workspace.dir, 'large'), Buffer.alloc(2 * MiB))).toThrow(/ENOSPC/);
    } else {
      expect(workspace.kind).toBe('directory');
    }
    await workspace.wipe();
    await workspace.wipe(); // idempotent
    expect(existsSync(workspace.dir)).toBe(false);
    expect(execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })).not.toContain(workspace.dir);
  });
});
