import { Migrator, sql, SqliteAdapter, type Kysely } from 'kysely';
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
  // The same migration table `migrate` uses: the one in the current schema.
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema ?? undefined;
    if (migrationTableSchema === undefined) throw new Error('no schema');
  } else {
    await sql`select 1`.execute(db);
  }
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), migrationTableSchema });
  const migrations = await migrator.getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
