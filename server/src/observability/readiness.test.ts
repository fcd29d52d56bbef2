import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { testApp } from '../auth/test-identity.ts';
import { forEachStore } from '../store/test-stores.ts';
import { readinessCheck } from './readiness.ts';

forEachStore('GET /readyz', ({ open }) => {
  it('is 200 on a migrated database, 503 naming what is missing, and 503 when the database is gone', async () => {
    const store = await open();
    const app = testApp(store);
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    // As if this version's newest migration had not run yet.
    const { rows } = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc`.execute(store.db);
    const newest = rows[0]!.name;
    await sql`delete from kysely_migration where name = ${newest}`.execute(store.db);
    const behind = await app.request('/readyz');
    expect(behind.status).toBe(503);
    expect(await behind.json()).toEqual({
      error: { code: 'not_ready', message: `Not ready: migrations not applied: ${newest}.` },
    });

    await store.close();
    expect(await readinessCheck(store)()).toEqual({ ready: false, reason: 'the database does not answer' });
  });
});
