/**
 * Opening the indexer's database: a Postgres that does not answer is a typed error that never shows the password,
 * the committed migrations create exactly the tables of lib/indexer/schema.ts, and a database indexed before jobs
 * knew their runs learns them from the events it kept.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
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

test("the migration to runs sets the run and the metered minutes of the jobs indexed before, from the JobsLinked logs kept", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-db-'));
  const before = mkdtempSync(path.join(os.tmpdir(), 'datagora-migrations-'));
  try {
    // The database as the indexer left it before migration 0004_job_runs.
    cpSync(path.join(ROOT, 'lib/indexer/migrations'), before, { recursive: true });
    const journal = path.join(before, 'meta/_journal.json');
    const { entries, ...rest } = JSON.parse(readFileSync(journal, 'utf8')) as { entries: { tag: string }[] };
    writeFileSync(journal, JSON.stringify({ ...rest, entries: entries.slice(0, entries.findIndex((entry) => entry.tag === '0004_job_runs')) }));
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = await PGlite.create(dir);
    const old = drizzle(client);
    await migrate(old, { migrationsFolder: before });
    // Jobs 1 and 2 requested alone on provider 1; jobs 3–5 one run on providers 1, 1 and 2.
    for (const [id, provider] of [[1, 1], [2, 1], [3, 1], [4, 1], [5, 2]]) {
      await old.execute(sql`insert into jobs (id, dataset_id, provider_id, buyer, owner, environment, escrow, data_fee, price_per_minute, max_minutes, status, requested_at, requested_block)
        values (${id}, ${id}, ${provider}, '0xb', '0xa', 0, 0, 0, 0, 10, 'settled', now(), ${id})`);
    }
    await old.execute(sql`insert into events (tx_hash, log_index, block_number, block_hash, timestamp, contract, name, args)
      values ('0x3', 4, 3, '0xh', now(), 'computeMarket', 'JobsLinked', ${JSON.stringify({ firstJobId: '3', count: '3' })}::jsonb)`);
    await client.close();

    const idb = await openDatabase({ adapter: 'pglite', dir });
    expect(await idb.rows(sql`select id, run_id, metered from jobs order by id`)).toEqual([
      { id: 1, run_id: null, metered: true },
      { id: 2, run_id: null, metered: true },
      { id: 3, run_id: 3, metered: true },
      { id: 4, run_id: 3, metered: false },
      { id: 5, run_id: 3, metered: true },
    ]);
    await idb.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(before, { recursive: true, force: true });
  }
});
