import type { Kysely, Selectable } from 'kysely';
import { param, precompile } from './precompiled.ts';
import { toIso, type Database, type ProviderConnectionsTable } from './schema.ts';
import { StoreConflictError, type ProviderConnections, type StoredConnection } from './types.ts';

function jsonObject(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

function stringValues(text: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jsonObject(text)).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

function connection(row: Selectable<ProviderConnectionsTable>): StoredConnection {
  return {
    id: row.id,
    accountId: row.account_id,
    provider: row.provider,
    settings: jsonObject(row.settings),
    secrets: stringValues(row.secrets),
    version: Number(row.version),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function isForeignKeyError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (
    e?.code === '23503' ||
    e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    (typeof e?.message === 'string' && /foreign key/i.test(e.message))
  );
}

function isUniqueError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    (typeof e?.message === 'string' && /unique constraint/i.test(e.message))
  );
}

/** The `provider_connections` table: what every provider request reads once, by (account, provider). */
export function createConnectionStore(db: Kysely<Database>, nowIso: () => string): ProviderConnections {
  // Read on every provider request: compiled once.
  const byAccountAndProvider = precompile(db, () =>
    db
      .selectFrom('provider_connections')
      .selectAll()
      .where('account_id', '=', param('accountId'))
      .where('provider', '=', param('provider')),
  );

  const store: ProviderConnections = {
    async get(accountId, provider) {
      const { rows } = await byAccountAndProvider({ accountId, provider });
      return rows[0] ? connection(rows[0]) : null;
    },

    async list(accountId) {
      let query = db.selectFrom('provider_connections').selectAll();
      if (accountId !== undefined) query = query.where('account_id', '=', accountId);
      const rows = await query.orderBy('account_id').orderBy('provider').execute();
      return rows.map(connection);
    },

    async save({ id, accountId, provider, settings, secrets, expectedVersion }) {
      const at = nowIso();
      if (expectedVersion === null) {
        try {
          await db
            .insertInto('provider_connections')
            .values({
              id,
              account_id: accountId,
              provider,
              settings: JSON.stringify(settings),
              secrets: JSON.stringify(secrets),
              version: 1,
              created_at: at,
              updated_at: at,
            })
            .execute();
        } catch (err) {
          if (isForeignKeyError(err)) throw new StoreConflictError(`Unknown account "${accountId}".`);
          if (isUniqueError(err)) return null;
          throw err;
        }
      } else {
        const result = await db
          .updateTable('provider_connections')
          .set({
            settings: JSON.stringify(settings),
            secrets: JSON.stringify(secrets),
            version: expectedVersion + 1,
            updated_at: at,
          })
          .where('id', '=', id)
          .where('account_id', '=', accountId)
          .where('provider', '=', provider)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return null;
      }
      return store.get(accountId, provider);
    },

    async replaceCiphertexts(id, version, secrets) {
      const result = await db
        .updateTable('provider_connections')
        .set({ secrets: JSON.stringify(secrets) })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(accountId, provider) {
      const result = await db
        .deleteFrom('provider_connections')
        .where('account_id', '=', accountId)
        .where('provider', '=', provider)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
  return store;
}
