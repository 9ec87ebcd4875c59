/**
 * Opening the indexer's database: a Postgres that does not answer is a typed error that never shows the password,
 * and the committed migrations create exactly the tables of lib/indexer/schema.ts.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseError, openDatabase, redactUrl } from '@/lib/indexer/db';
import { freePort } from '../helpers/market';
import { ROOT } from '../helpers/processes';

test('an unreachable Postgres is a DatabaseError naming the server without its password', async () => {
  const url = `postgres://market:s3cret-pw@127.0.0.1:${await freePort()}/market`;
  const failure = await openDatabase({ adapter: 'postgres', url }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(DatabaseError);
  const { message, hint } = failure as DatabaseError;
  expect(message).toContain('cannot reach Postgres at postgres://market:***@127.0.0.1:');
  expect(`${message} ${hint}`).not.toContain('s3cret-pw');
  expect(hint).toMatch(/DATABASE_URL/);
});

test('redactUrl hides passwords and survives garbage', () => {
  expect(redactUrl('postgresql://u:pw@h/db')).toBe('postgresql://u:***@h/db');
  expect(redactUrl('postgres://h/db')).toBe('postgres://h/db');
  expect(redactUrl('::not a url::')).toBe('(unparsable DATABASE_URL)');
});

test('the migrations are up to date with the schema: drizzle-kit has nothing to generate', () => {
  const migrations = path.join(ROOT, 'lib/indexer/migrations');
  // A copy, so a schema change without its migration fails here and leaves no stray file in the repository.
  const copy = mkdtempSync(path.join(os.tmpdir(), 'datagora-migrations-'));
  try {
    cpSync(migrations, copy, { recursive: true });
    // drizzle-kit reads --out relative to the working directory, and exits 0 even when it fails.
    const output = execFileSync(path.join(ROOT, 'node_modules/.bin/drizzle-kit'), ['generate', '--dialect', 'postgresql', '--schema', 'lib/indexer/schema.ts', '--out', path.relative(ROOT, copy)], { cwd: ROOT, encoding: 'utf8' });
    expect(output).toContain('No schema changes');
    expect(readdirSync(copy)).toEqual(readdirSync(migrations));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
