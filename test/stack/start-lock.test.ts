/** The start lock of a DATAGORA_HOME: one holder at a time, its URL for the next comer, a dead holder's lock taken over. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimStartLock, MarketRunningError, startLockFile } from '@/lib/stack/lock';

const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-start-lock-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('gives the holder to a second claim until the first releases it', () => {
  const first = claimStartLock(home, 'http://127.0.0.1:3000');
  if (!('release' in first)) throw new Error('the first claim should hold the lock');
  expect(claimStartLock(home, 'http://127.0.0.1:3001')).toEqual({ holder: { pid: process.pid, url: 'http://127.0.0.1:3000' } });
  first.release();
  const again = claimStartLock(home, 'http://127.0.0.1:3001');
  expect('release' in again).toBe(true);
  if ('release' in again) again.release();
});

it('takes over the lock of a start that died without releasing it', () => {
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
  writeFileSync(startLockFile(home), JSON.stringify({ pid: dead, url: 'http://127.0.0.1:3000' }));
  const claim = claimStartLock(home, 'http://127.0.0.1:3000');
  expect('release' in claim).toBe(true);
  if ('release' in claim) claim.release();
});

it('tells a running market from one still starting, with its URL', () => {
  const holder = { pid: 4242, url: 'http://127.0.0.1:3000' };
  expect(new MarketRunningError(holder, true).message).toBe('Datagora is already running at http://127.0.0.1:3000 (pid 4242)');
  expect(new MarketRunningError(holder, false).message).toBe('Datagora is already starting (pid 4242); it will be at http://127.0.0.1:3000');
});
