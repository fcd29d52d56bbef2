import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOMER_TOKEN_PREFIX } from '../auth/customer.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import { openStore, type SqlStore } from './index.ts';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';
import { testPostgresUrl, testStoreKinds, type TestStoreKind } from './test-stores.ts';

/**
 * A database at an older migration, and how to open the current store over it. Each engine keeps
 * its data between the two: a SQLite file, a PostgreSQL schema, one PGlite instance.
 */
interface OldDatabase {
  db: Kysely<Database>;
  migrationTableSchema?: string;
  reopen(): Promise<SqlStore>;
  cleanup(): Promise<void>;
}

async function oldDatabase(kind: TestStoreKind): Promise<OldDatabase> {
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'handoff-migrations-'));
      const path = join(dir, 'handoff.db');
      return {
        db: new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(path) }) }),
        reopen: () => openStore({ kind: 'sqlite', path }),
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      };
    }
    case 'postgres': {
      const url = (await testPostgresUrl())!;
      const schema = `handoff_test_${randomBytes(6).toString('hex')}`;
      const admin = async (query: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(query);
        } finally {
          await client.end();
        }
      };
      await admin(`CREATE SCHEMA "${schema}"`);
      const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
      return {
        db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
        migrationTableSchema: schema,
        reopen: () => openStore({ kind: 'postgres', url, schema }),
        cleanup: () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
      };
    }
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('./pglite-dialect.ts');
      const client = new PGlite();
      const dialect: Dialect = new PGliteDialect({ client, closeOnDestroy: false });
      return {
        db: new Kysely<Database>({ dialect }),
        reopen: () => openStore({ kind: 'pglite', client }),
        cleanup: () => client.close(),
      };
    }
  }
}

const kinds = await testStoreKinds();

describe.each(kinds)('upgrading a database (%s)', { timeout: 60_000 }, (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  it('keeps customer sessions made before their API key was recorded working', async () => {
    const old = await oldDatabase(kind);
    cleanups.push(old.cleanup);
    const migrator = new Migrator({
      db: old.db,
      provider: migrationProvider(kind === 'sqlite' ? 'sqlite' : 'postgres'),
      migrationTableSchema: old.migrationTableSchema,
    });
    const { error } = await migrator.migrateTo('0001_initial');
    expect(error).toBeUndefined();
    const token = newToken(CUSTOMER_TOKEN_PREFIX);
    const now = new Date();
    await (old.db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto('customer_sessions')
      .values({
        id: 'before-upgrade',
        token_hash: hashToken(token),
        account_id: 'default',
        customer_id: 'c-1',
        customer: JSON.stringify({ id: 'c-1' }),
        created_by: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 3600_000).toISOString(),
      })
      .execute();
    await old.db.destroy();

    const store = await old.reopen();
    cleanups.push(() => store.close());
    expect(await store.customerSessions.resolve(token)).toMatchObject({
      id: 'c-1',
      sessionId: 'before-upgrade',
    });
    const rows = await store.db.selectFrom('customer_sessions').select(['id', 'api_key_id']).execute();
    expect(rows).toEqual([{ id: 'before-upgrade', api_key_id: null }]);

    // Revoking some key leaves the unattributed session alone.
    const user = await store.users.create({ email: 'svc@example.com' });
    const key = await store.apiKeys.create(user.id);
    expect(await store.apiKeys.revoke(key.keyId)).toBe(true);
    expect(await store.customerSessions.resolve(token)).not.toBeNull();
  });
});
