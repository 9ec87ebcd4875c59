/** The checkout's build lock: concurrent starts build one after the other; a dead holder's lock is taken over. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withBuildLock } from '@/lib/stack/web';

const root = mkdtempSync(path.join(os.tmpdir(), 'datagora-lock-root-'));
const lock = path.join(os.tmpdir(), `datagora-build-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.lock`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('runs concurrent holders one at a time, and tells the waiting one why it waits', async () => {
  const events: string[] = [];
  const lines: string[] = [];
  const holder = (name: string) => async () => {
    events.push(`${name} in`);
    await new Promise((resolve) => setTimeout(resolve, 700));
    events.push(`${name} out`);
  };
  await Promise.all([withBuildLock(root, (line) => lines.push(line), holder('a')), withBuildLock(root, (line) => lines.push(line), holder('b'))]);
  expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  expect(lines).toEqual(['another start is building the app in this checkout; waiting for it…']);
});

it('takes over a lock whose holder died, and releases it after a failure', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  mkdirSync(lock);
  writeFileSync(path.join(lock, 'pid'), dead);
  await expect(withBuildLock(root, () => undefined, () => Promise.reject(new Error('build failed')))).rejects.toThrow('build failed');
  await expect(withBuildLock(root, () => undefined, async () => 'built')).resolves.toBe('built');
});
