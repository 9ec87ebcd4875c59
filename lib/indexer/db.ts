/**
 * The indexer's database: embedded PGlite (Postgres in WebAssembly, persisted under the Datagora home) or a
 * Postgres server when DATABASE_URL is set. Both run the same Drizzle schema and the same migrations.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import type { IndexerConfig } from '../config';
import { DatagoraError } from '../errors';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseConfig = IndexerConfig['database'];

export interface IndexerDatabase {
  readonly adapter: DatabaseConfig['adapter'];
  readonly db: Database;
  /** Rows of a raw query (analytics and search are written in SQL). */
  rows<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  close(): Promise<void>;
}

const MIGRATIONS = path.join(__dirname, 'migrations');

/** The database cannot be opened or migrated. */
export class DatabaseError extends DatagoraError {
  constructor(message: string, hint: string, cause?: unknown) {
    super(message, hint, { cause });
  }
}

/** A URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

async function openPglite(dir: string): Promise<IndexerDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  mkdirSync(dir, { recursive: true });
  let client: InstanceType<typeof PGlite>;
  try {
    client = await PGlite.create(dir);
  } catch (cause) {
    throw new DatabaseError(`cannot open the embedded database in ${dir}`, 'another process may hold it (one indexer per Datagora home); otherwise delete the folder to rebuild it from the chain', cause);
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS });
  return {
    adapter: 'pglite',
    db: db as unknown as Database,
    rows: async <T extends Record<string, unknown>>(query: SQL) => (await db.execute(query)).rows as T[],
    close: () => client.close(),
  };
}

async function openPostgres(url: string): Promise<IndexerDatabase> {
  const { Pool, types } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  // Raw rows as PGlite gives them: bigint columns and counts as numbers (ids, blocks and counts fit), numeric
  // amounts as strings. Drizzle's own per-query parsers override only dates, so this is set on pg itself.
  types.setTypeParser(types.builtins.INT8, Number);
  const pool = new Pool({ connectionString: url, max: 8 });
  const db = drizzle(pool, { schema });
  try {
    await db.execute(sql`select 1`);
  } catch (cause) {
    await pool.end();
    throw new DatabaseError(`cannot reach Postgres at ${redactUrl(url)}`, 'check DATABASE_URL and that the server accepts connections', cause);
  }
  await migrate(db, { migrationsFolder: MIGRATIONS });
  return {
    adapter: 'postgres',
    db: db as unknown as Database,
    rows: async <T extends Record<string, unknown>>(query: SQL) => (await db.execute(query)).rows as T[],
    close: () => pool.end(),
  };
}

/** Opens the configured database and brings its schema up to date. */
export function openDatabase(config: DatabaseConfig): Promise<IndexerDatabase> {
  return config.adapter === 'pglite' ? openPglite(config.dir) : openPostgres(config.url);
}
