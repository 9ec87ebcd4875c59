/**
 * The start lock of `datagora start`, with real processes and no build: a second start in the same home while
 * the first is starting names the first and its URL and leaves it alone, instead of finding a port taken; the
 * lock of a start killed with SIGKILL does not block the next one. (A second start beside a running market is
 * in test/stack/start.test.ts, which has one running.)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLockFile } from '@/lib/stack/lock';
import { processesWith, runCli, type CliRun } from '../helpers/processes';
import { stackEnv, stopStack } from '../helpers/stack';
import { workerPort } from '../helpers/market';

jest.setTimeout(120_000);

const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-second-start-'));
const env = stackEnv(home, { web: 3480, anvil: 8880, ipfs: 5480, keyNodes: 6800, provider: 6860, indexer: 6880 });
const url = `http://127.0.0.1:${workerPort(3480)}`;
const leftovers = () => processesWith('environ', `DATAGORA_HOME=${home}`);
const started: CliRun[] = [];

afterAll(async () => {
  for (const run of started) await stopStack(run);
  for (const pid of leftovers()) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

/** `datagora start` until it starts the chain: it holds the start lock from then on. */
async function startUntilChain(): Promise<CliRun> {
  const run = runCli(['start'], env);
  started.push(run);
  await run.waitFor(/\[chain\]\s+starting anvil/, 60_000);
  return run;
}

it('names the start under way and its URL, leaves it alone, and a start killed with SIGKILL blocks no one', async () => {
  const first = await startUntilChain();

  const second = runCli(['start'], env);
  expect(await second.exit).toBe(2);
  expect(second.output()).toContain(`MarketRunningError: Datagora is already starting (pid ${first.child.pid}); it will be at ${url}`);
  expect(second.output()).not.toMatch(/in use|DATAGORA_PORT=|\[chain\]/);
  expect(first.child.exitCode).toBeNull();

  // A crash leaves the lock behind (and the children, killed here as the user would after a crash).
  first.child.kill('SIGKILL');
  await first.exit;
  for (const pid of leftovers()) process.kill(pid, 'SIGKILL');
  for (let i = 0; leftovers().length > 0 && i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(existsSync(startLockFile(home))).toBe(true);

  const third = await startUntilChain();
  third.child.kill('SIGINT');
  expect(await third.exit).toBe(0);
  expect(existsSync(startLockFile(home))).toBe(false);
  expect(leftovers()).toEqual([]);
});
