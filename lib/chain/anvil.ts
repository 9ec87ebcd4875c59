/** The embedded chain: an anvil child process whose state persists in a file between runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { foundry } from 'viem/chains';
import { assertPortFree } from '../net/ports';
import { ChainStartError } from './errors';
import { fetchChainId } from './clients';
import type { ChainAdapter } from './types';

export interface AnvilOptions {
  host: string;
  port: number;
  /** Directory for anvil's state file; without it the chain lives in memory only. */
  stateDir?: string;
  /** Receives each line anvil prints. */
  onLog?: (line: string) => void;
  /** Configuration variable that moves the port, named when the port is taken. */
  portVariable?: string;
  /** Chain id to serve; default 31337 (viem's `foundry`). */
  chainId?: number;
}

const ARCH: Partial<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };
const READY_TIMEOUT_MS = 15_000;

/** Path of the anvil binary shipped in `@foundry-rs/anvil`'s platform package. */
export function anvilBinary(): string {
  const arch = ARCH[process.arch];
  if (!arch) throw new ChainStartError(`no anvil build for ${process.platform}/${process.arch}`);
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return path.join(path.dirname(pkg), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
}

export class AnvilChain implements ChainAdapter {
  readonly kind = 'anvil';
  readonly rpcUrl: string;
  private child?: ChildProcess;
  /** Settles when the anvil process has exited, for whatever reason. */
  exited?: Promise<void>;

  constructor(private readonly options: AnvilOptions) {
    this.rpcUrl = `http://${options.host}:${options.port}`;
  }

  /** The state file kept between runs, if any. */
  get stateFile(): string | undefined {
    return this.options.stateDir && path.join(this.options.stateDir, 'anvil-state.json');
  }

  async start(): Promise<void> {
    // Without this, a node already listening there would answer the readiness probe in anvil's place.
    await assertPortFree(this.options.host, this.options.port, this.options.portVariable ?? 'the anvil port', 'embedded chain');
    // Silent: anvil would otherwise print every RPC method and its dev private keys; errors still reach stderr.
    const args = ['--silent', '--host', this.options.host, '--port', String(this.options.port), '--chain-id', String(this.options.chainId ?? foundry.id)];
    if (this.stateFile) {
      mkdirSync(this.options.stateDir!, { recursive: true });
      // Dumped on exit and every few seconds, so even a killed tree loses at most a few seconds.
      args.push('--state', this.stateFile, '--state-interval', '5', '--preserve-historical-states');
    }
    const recent: string[] = [];
    const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 20) recent.shift();
        this.options.onLog?.(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exitCode: number | null | undefined;
    child.once('exit', (code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new ChainStartError(`exited with code ${exitCode}: ${recent.slice(-5).join(' | ')}`);
      try {
        const chainId = await fetchChainId(this.rpcUrl);
        this.options.onLog?.(`anvil listening on ${this.rpcUrl}, chain ${chainId}${this.stateFile ? `, state kept in ${this.stateFile}` : ''}`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await this.stop();
    throw new ChainStartError(`no answer on ${this.rpcUrl} within ${READY_TIMEOUT_MS / 1000} s`);
  }

  /** Stops anvil; SIGTERM lets it dump its state, SIGKILL follows after 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killTimer);
  }
}
