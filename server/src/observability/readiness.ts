import { sql, SqliteAdapter, type Kysely } from 'kysely';
import { migrationProvider, type SqlDialect } from '../store/migrations.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/types.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Whether the backend can serve: its database answers and every migration this version knows
 * is applied (an instance started before `handoff migrate` ran, or a database restored from an
 * older backup, is not ready). Stores without SQL (test doubles) are always ready.
 */
export function readinessCheck(store: Store): () => Promise<Readiness> {
  if (!('db' in store)) return () => Promise.resolve({ ready: true });
  const db = store.db as Kysely<Database>;
  const dialect: SqlDialect = db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
  return async () => {
    try {
      const pending = await pendingMigrations(db, dialect);
      return pending.length === 0
        ? { ready: true }
        : { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
    } catch {
      // The driver's message may name hosts or users; the reason stays generic.
      return { ready: false, reason: 'the database does not answer' };
    }
  };
}

async function pendingMigrations(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  // The migration table `migrate` uses (the one in the current schema), read directly: Kysely's
  // Migrator would read the catalogue of the whole database first, which fails spuriously while
  // another schema of the database is being dropped.
  let table = sql.table('kysely_migration');
  if (dialect === 'postgres') {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (schema === null || schema === undefined) throw new Error('no schema');
    table = sql.table(`${schema}.kysely_migration`);
  }
  let applied: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    applied = new Set(rows.map((row) => row.name));
  } catch {
    // A database that answers but was never migrated has no such table.
    await sql`select 1`.execute(db);
    applied = new Set();
  }
  const known = Object.keys(await migrationProvider(dialect).getMigrations());
  return known.filter((name) => !applied.has(name)).sort();
}
