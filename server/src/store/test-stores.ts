import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe } from 'vitest';
import { openStore, type SqlStore } from './index.ts';

/**
 * Runs storage-backed tests against every engine: SQLite, and PostgreSQL (the server at
 * HANDOFF_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, each store in its own
 * fresh schema that is dropped afterwards; PGlite when no server answers).
 *
 * @example
 * forEachStore('paybis auth keys', ({ open }) => {
 *   it('creates once', async () => {
 *     const store = await open();
 *     expect((await store.paybisAuthKeys.getOrCreate('default', 'c1')).created).toBe(true);
 *   });
 * });
 */

export type TestStoreKind = 'sqlite' | 'postgres' | 'pglite';

export interface TestStoreContext {
  kind: TestStoreKind;
  /** A fresh, migrated, empty store (apart from seeds), closed and dropped after the test. */
  open(options?: { now?: () => Date }): Promise<SqlStore>;
  /** Two separate store instances (two pools / two connections) over one fresh database. */
  openPair(options?: { now?: () => Date }): Promise<[SqlStore, SqlStore]>;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let detected: Promise<string | null> | undefined;
/** The PostgreSQL URL tests use, or null when no server answers. */
export function testPostgresUrl(): Promise<string | null> {
  detected ??= (async () => {
    const url = process.env.HANDOFF_TEST_DATABASE_URL ?? DEFAULT_URL;
    return (await reachable(url)) ? url : null;
  })();
  return detected;
}

/** The engines to test on this machine: SQLite, and PostgreSQL or (without a server) PGlite. */
export async function testStoreKinds(): Promise<TestStoreKind[]> {
  return ['sqlite', (await testPostgresUrl()) ? 'postgres' : 'pglite'];
}

type Cleanup = () => Promise<void>;

function freshSchema(): string {
  return `handoff_test_${randomBytes(6).toString('hex')}`;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Opens `count` store instances over one fresh database of the given kind. */
export async function openTestStores(
  kind: TestStoreKind,
  count: number,
  options: { now?: () => Date } = {},
): Promise<{ stores: SqlStore[]; cleanup: Cleanup }> {
  const stores: SqlStore[] = [];
  const now = options.now;
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'handoff-store-'));
      const path = count === 1 ? ':memory:' : join(dir, 'handoff.db');
      // Open one after the other: the first one migrates the file.
      for (let i = 0; i < count; i++) stores.push(await openStore({ kind: 'sqlite', path, now }));
      return {
        stores,
        cleanup: async () => {
          for (const s of stores) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'postgres': {
      const url = await testPostgresUrl();
      if (!url) throw new Error('No PostgreSQL server for tests.');
      const schema = freshSchema();
      try {
        for (let i = 0; i < count; i++) stores.push(await openStore({ kind: 'postgres', url, schema, now }));
      } catch (err) {
        for (const s of stores) await s.close();
        await dropSchema(url, schema);
        throw err;
      }
      return {
        stores,
        cleanup: async () => {
          for (const s of stores) await s.close();
          await dropSchema(url, schema);
        },
      };
    }
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const client = new PGlite();
      for (let i = 0; i < count; i++) stores.push(await openStore({ kind: 'pglite', client, now }));
      return {
        stores,
        cleanup: async () => {
          for (const s of stores) await s.close();
          await client.close();
        },
      };
    }
  }
}

const kinds = await testStoreKinds();

/** `describe` once per engine; stores opened through the context are closed after each test. */
export function forEachStore(name: string, fn: (ctx: TestStoreContext) => void): void {
  // PGlite boots a whole PostgreSQL in WebAssembly per store: give it time.
  describe.each(kinds)(`${name} (%s)`, { timeout: 60_000 }, (kind) => {
    const cleanups: Cleanup[] = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });
    fn({
      kind,
      async open(options) {
        const { stores, cleanup } = await openTestStores(kind, 1, options);
        cleanups.push(cleanup);
        return stores[0]!;
      },
      async openPair(options) {
        const { stores, cleanup } = await openTestStores(kind, 2, options);
        cleanups.push(cleanup);
        return [stores[0]!, stores[1]!];
      },
    });
  });
}
