import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteDialect,
  type Dialect,
  type SqliteDatabase,
} from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import { migrationProvider, type SqlDialect } from './migrations.ts';
import type { Database } from './schema.ts';
import { createSqlStore } from './sql-store.ts';
import type { Store } from './types.ts';

export type StoreOptions = (
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres';
      url: string;
      /** Schema to work in (created if missing); default: the server's search_path. */
      schema?: string;
      /** Pool size; default 10. */
      maxConnections?: number;
    }
  | {
      kind: 'pglite';
      /** Share one embedded database between stores (the caller closes it); default: a new in-memory one. */
      client?: PGlite;
    }
) & {
  /** Clock deciding whether tokens are live; default: the system clock. */
  now?: () => Date;
};

export type SqlStore = Store & { readonly db: Kysely<Database> };

/** Schema names are put into SQL and connection options, so only plain identifiers are accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the store and brings its schema up to date. SQLite is the embedded default (one file,
 * created on first use; `:memory:` for a throwaway database); PostgreSQL serves several backend
 * instances; PGlite is an embedded PostgreSQL engine for tests without a server.
 *
 * @example
 * const store = await openStore({ kind: 'sqlite', path: './handoff.db' });
 */
export async function openStore(options: StoreOptions): Promise<SqlStore> {
  const now = options.now ?? (() => new Date());
  let dialect: Dialect;
  let sqlDialect: SqlDialect;

  switch (options.kind) {
    case 'sqlite': {
      if (options.path !== ':memory:' && options.path !== '')
        mkdirSync(dirname(options.path), { recursive: true });
      const database = new SQLite(options.path);
      // WAL lets readers and one writer work at once; the busy timeout makes a second process wait
      // for the write lock instead of failing at once.
      database.pragma('journal_mode = WAL');
      // With WAL, NORMAL is what SQLite recommends: no corruption on a crash, and commits do not wait
      // for a disk flush on the event loop (FULL cost ~1 ms per audit row, blocking every request).
      database.pragma('synchronous = NORMAL');
      database.pragma('busy_timeout = 5000');
      database.pragma('foreign_keys = ON');
      dialect = new SqliteDialect({ database: withStatementCache(database) });
      sqlDialect = 'sqlite';
      break;
    }
    case 'postgres': {
      const { schema } = options;
      if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
        throw new Error(`Invalid PostgreSQL schema name "${schema}".`);
      }
      // Loaded only here: the PostgreSQL driver costs a SQLite backend about 10 MB and start-up time.
      const { default: pg } = await import('pg');
      if (schema !== undefined) {
        const admin = new pg.Client({ connectionString: options.url });
        await admin.connect();
        try {
          await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        } finally {
          await admin.end();
        }
      }
      const pool = new pg.Pool({
        connectionString: options.url,
        max: options.maxConnections ?? 10,
        // Parallel plans buy nothing for these small indexed queries, and a parallel worker can
        // fail to find a schema created moments before ("schema … does not exist").
        options: [
          ...(schema !== undefined ? [`-c search_path=${schema}`] : []),
          '-c max_parallel_workers_per_gather=0',
        ].join(' '),
      });
      dialect = new PostgresDialect({ pool });
      sqlDialect = 'postgres';
      break;
    }
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('./pglite-dialect.ts');
      dialect = new PGliteDialect({
        client: options.client ?? new PGlite(),
        closeOnDestroy: options.client === undefined,
      });
      sqlDialect = 'postgres';
      break;
    }
    default:
      throw new Error(`Unknown store kind "${(options as { kind: string }).kind}".`);
  }

  const db = new Kysely<Database>({ dialect });
  try {
    await migrate(db, sqlDialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createSqlStore(db, {
    dialect: sqlDialect,
    now,
    destroy: () => db.destroy(),
  });
}

/** Statements kept per SQLite connection: the store's own queries are a few dozen. */
const STATEMENT_CACHE_SIZE = 128;

/**
 * better-sqlite3 behind Kysely, with its prepared statements kept by SQL text: Kysely's SQLite
 * driver asks for a new statement on every query, and preparing the same SQL again cost about
 * a third of the time SQLite spent per request. Least recently used statements are dropped past
 * `size`; a statement still being iterated is never handed out twice.
 */
export function withStatementCache(database: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement !== undefined && !statement.busy) {
        // Most recently used last, so the first key is the one to drop.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  // Kysely looks for its migration tables in every schema unless told which one: another app's
  // (or another Handoff's) tables elsewhere in the database would make it skip creating ours.
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema ?? undefined;
    if (migrationTableSchema === undefined) {
      throw new Error(
        'Database migration failed: no schema of the search_path exists; create it or fix the URL.',
      );
    }
  }
  // Migrations are independent of each other and numbered as they are planned, so a database may
  // meet a lower number after a higher one (0003 merged after 0005 ran): apply it then.
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableSchema,
    allowUnorderedMigrations: true,
  });
  let outcome = await migrator.migrateToLatest();
  // Kysely looks for its tables in the catalogue of the whole database; another schema dropped
  // during that read (another app's, a test run's) fails it with "schema … does not exist".
  // Nothing was migrated then, so reading again is safe.
  for (let attempt = 1; attempt < 5 && droppedMeanwhile(outcome.error, migrationTableSchema); attempt++) {
    outcome = await migrator.migrateToLatest();
  }
  const { error, results = [] } = outcome;
  const failed = results.find((r) => r.status === 'Error');
  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${reason}`, {
      cause: error,
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** PostgreSQL's invalid_schema_name, about a schema other than the one we work in. */
function droppedMeanwhile(error: unknown, ownSchema: string | undefined): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === '3F000' &&
    typeof message === 'string' &&
    (ownSchema === undefined || !message.includes(`"${ownSchema}"`))
  );
}

export { StoreConflictError } from './types.ts';
export type * from './types.ts';
