import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './index.ts';
import { testPostgresUrl } from './test-stores.ts';

const url = await testPostgresUrl();
const made: string[] = [];
const schema = () => {
  const name = `handoff_test_${randomBytes(6).toString('hex')}`;
  made.push(name);
  return name;
};

afterAll(async () => {
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const name of made) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
});

describe.skipIf(!url)('migrations on PostgreSQL', () => {
  it('create their own tables when another schema of the database already has them', async () => {
    const first = await openStore({ kind: 'postgres', url: url!, schema: schema() });
    await first.close();
    // Kysely, not told the schema, found the first schema's migration tables and skipped its own.
    const second = await openStore({ kind: 'postgres', url: url!, schema: schema() });
    try {
      const rows = await second.db.selectFrom('accounts').select('id').execute();
      expect(rows.map((r) => r.id)).toContain('default');
    } finally {
      await second.close();
    }
  });

  it('work in the schema a DATABASE_URL puts first on the search_path', async () => {
    const other = schema();
    await (await openStore({ kind: 'postgres', url: url!, schema: schema() })).close();
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${other}"`);
    await admin.end();
    const withPath = new URL(url!);
    withPath.searchParams.set('options', `-c search_path=${other}`);
    const store = await openStore({ kind: 'postgres', url: withPath.toString() });
    await store.close();
    const check = new pg.Client({ connectionString: url! });
    await check.connect();
    try {
      const { rows } = await check.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 order by 1`,
        [other],
      );
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['accounts', 'audit_log', 'kysely_migration', 'kysely_migration_lock']),
      );
    } finally {
      await check.end();
    }
  });

  it('say so when no schema of the search_path exists', async () => {
    const withPath = new URL(url!);
    withPath.searchParams.set('options', `-c search_path=${schema()}`);
    await expect(openStore({ kind: 'postgres', url: withPath.toString() })).rejects.toThrow(
      /no schema of the search_path exists/,
    );
  });
});
