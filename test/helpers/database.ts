/**
 * Databases for indexer tests: a fresh PGlite in a temp folder always, and a fresh database on the Postgres
 * server at DATABASE_URL when it is set (.ci/run starts Debian's PostgreSQL), so one suite covers both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IndexerConfig } from '@/lib/config';

export type DatabaseKind = 'pglite' | 'postgres';

/** The kinds a suite runs against: PGlite, plus Postgres when DATABASE_URL names a server. */
export const DATABASE_KINDS: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  config: IndexerConfig['database'];
  /** Deletes the database (the folder, or the Postgres database). */
  drop(): Promise<void>;
}

async function admin<T>(run: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** An empty database of `kind`. */
export async function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-db-'));
    return { config: { adapter: 'pglite', dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `datagora_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    config: { adapter: 'postgres', url: url.toString() },
    drop: () => admin(async (client) => void (await client.query(`drop database if exists ${name} with (force)`))),
  };
}
