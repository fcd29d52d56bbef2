import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { CustomerIdentity } from '@handoff/core';
import { CUSTOMER_TOKEN_PREFIX } from '../auth/customer.ts';
import {
  API_KEY_PREFIX,
  SESSION_TOKEN_PREFIX,
  hashToken,
  isApiKeyId,
  newSecret,
  newToken,
  sameHash,
} from '../auth/tokens.ts';
import { createConnectionStore } from './connections.ts';
import { param, precompile } from './precompiled.ts';
import { toIso, type AccountsTable, type AuditLogTable, type Database } from './schema.ts';
import {
  StoreConflictError,
  type AccountRecord,
  type AuditEntry,
  type AuditEntryInput,
  type Customer,
  type Membership,
  type Store,
} from './types.ts';

export interface SqlStoreOptions {
  dialect: 'sqlite' | 'postgres';
  /** The clock used to decide whether tokens are live. */
  now: () => Date;
  /** Releases the connection(s). */
  destroy: () => Promise<void>;
}

/** A hash that matches no stored secret: unknown keys cost the same hash and compare as known ones. */
const NO_SUCH_KEY_HASH = hashToken('no such key');

/** Unique and foreign-key violations of both engines, so callers get `StoreConflictError`. */
function isConstraintError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (
    typeof e?.code === 'string' &&
    (e.code.startsWith('SQLITE_CONSTRAINT') || e.code === '23505' || e.code === '23503')
  ) {
    return true;
  }
  return (
    typeof e?.message === 'string' &&
    /unique constraint|foreign key constraint|UNIQUE constraint/i.test(e.message)
  );
}

async function conflictOnConstraint<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isConstraintError(err)) throw new StoreConflictError(message, { cause: err });
    throw err;
  }
}

function account(row: Selectable<AccountsTable>): AccountRecord {
  let settings: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.whitelabel_settings);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      settings = parsed as Record<string, unknown>;
  } catch {
    // A hand-edited row with bad JSON reads as no settings rather than failing every login.
  }
  return {
    id: row.id,
    name: row.name,
    accountName: row.account_name,
    uniqueId: row.unique_id,
    repcode: row.repcode,
    customerServicePhone: row.customer_service_phone,
    customerServiceEmail: row.customer_service_email,
    whitelabelSettings: settings,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function auditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: Number(row.id),
    at: toIso(row.at),
    action: row.action,
    outcome: row.outcome === 'success' ? 'success' : 'failure',
    accountId: row.account_id,
    userId: row.user_id === null ? null : Number(row.user_id),
    customerId: row.customer_id,
    provider: row.provider,
    clientIp: row.client_ip,
    detail: row.detail,
  };
}

const optionalIso = (v: Date | string | null) => (v === null ? null : toIso(v));

/** An audit_log row as written (the id is the database's). */
interface AuditRow {
  at: string;
  action: string;
  outcome: AuditEntryInput['outcome'];
  account_id: string | null;
  user_id: number | null;
  customer_id: string | null;
  provider: string | null;
  client_ip: string | null;
  detail: string | null;
}
const AUDIT_COLUMNS = [
  'at',
  'action',
  'outcome',
  'account_id',
  'user_id',
  'customer_id',
  'provider',
  'client_ip',
  'detail',
] as const satisfies ReadonlyArray<keyof AuditRow>;

/** Audit rows written together at most; a bigger backlog is written in several statements. */
export const AUDIT_BATCH = 32;

/**
 * Group commit for the audit log: rows recorded while the event loop is busy are written
 * together, in one INSERT, as soon as it turns (`setImmediate`); each `record` resolves only once
 * its own row is committed, so the callers' rule (no link leaves before its audit entry) holds.
 * One INSERT of several rows costs SQLite little more than one of a single row, and it appends
 * fewer pages to the write-ahead log. If a batch fails, its rows are retried one by one so each
 * caller gets its own outcome.
 */
function auditBatcher(insert: (rows: AuditRow[]) => Promise<unknown>) {
  let pending: Array<{ row: AuditRow; done: (error?: unknown) => void }> = [];
  let scheduled = false;

  async function write(batch: typeof pending): Promise<void> {
    try {
      await insert(batch.map((p) => p.row));
      for (const p of batch) p.done();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.done(error);
      for (const p of batch) await write([p]);
    }
  }

  function flush() {
    scheduled = false;
    const all = pending;
    pending = [];
    void (async () => {
      // One batch after the other, so entries recorded together keep their order.
      for (let i = 0; i < all.length; i += AUDIT_BATCH) await write(all.slice(i, i + AUDIT_BATCH));
    })();
  }

  return {
    record(row: AuditRow): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ row, done: (error) => (error === undefined ? resolve() : reject(error)) });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

/** The one Store implementation, over any Kysely dialect the migrations support. */
export function createSqlStore(
  db: Kysely<Database>,
  options: SqlStoreOptions,
): Store & { db: Kysely<Database> } {
  const { now } = options;
  const nowIso = () => now().toISOString();

  // The queries of every customer request, compiled once (see precompile).
  const liveCustomerSession = precompile(db, () =>
    db
      .selectFrom('customer_sessions')
      .select(['id', 'account_id', 'customer'])
      .where('token_hash', '=', param('tokenHash'))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', param('now')),
  );
  const storedAuthKey = precompile(db, () =>
    db
      .selectFrom('paybis_auth_keys')
      .select('auth_key')
      .where('account_id', '=', param('accountId'))
      .where('customer_id', '=', param('customerId')),
  );
  const auditInserts: Array<ReturnType<typeof precompile>> = [];
  /** One INSERT for up to AUDIT_BATCH rows (one compiled statement per row count). */
  const insertAuditRows = (rows: AuditRow[]) => {
    const count = rows.length;
    auditInserts[count] ??= precompile(db, () =>
      db
        .insertInto('audit_log')
        .values(
          Array.from({ length: count }, (_, i) =>
            Object.fromEntries(AUDIT_COLUMNS.map((column) => [column, param(`${column}${i}`)])),
          ) as unknown as AuditRow[],
        ),
    );
    const values: Record<string, unknown> = {};
    rows.forEach((row, i) => {
      for (const column of AUDIT_COLUMNS) values[`${column}${i}`] = row[column];
    });
    return auditInserts[count](values);
  };
  const audit = auditBatcher(insertAuditRows);

  const store: Store & { db: Kysely<Database> } = {
    dialect: options.dialect,
    db,

    paybisAuthKeys: {
      async getOrCreate(accountId, customerId) {
        // Created once, then only read: look it up first, so the usual case is one read.
        const existing = await storedAuthKey({ accountId, customerId });
        if (existing.rows[0]) return { authKey: existing.rows[0].auth_key, created: false };
        const authKey = randomUUID();
        // Insert-or-ignore then read: the primary key decides the one winner across every
        // connection and instance; losers read the winner's key.
        await db
          .insertInto('paybis_auth_keys')
          .values({ account_id: accountId, customer_id: customerId, auth_key: authKey, created_at: nowIso() })
          .onConflict((oc) => oc.columns(['account_id', 'customer_id']).doNothing())
          .execute();
        const { rows } = await storedAuthKey({ accountId, customerId });
        const row = rows[0];
        if (!row) throw new Error('Paybis auth key vanished after insert');
        return { authKey: row.auth_key, created: row.auth_key === authKey };
      },
    },

    audit: {
      record(entry) {
        return audit.record({
          at: nowIso(),
          action: entry.action,
          outcome: entry.outcome,
          account_id: entry.accountId ?? null,
          user_id: entry.userId ?? null,
          customer_id: entry.customerId ?? null,
          provider: entry.provider ?? null,
          client_ip: entry.clientIp ?? null,
          detail: entry.detail ?? null,
        });
      },
      async list({ accountIds, limit, before }) {
        if (accountIds.length === 0) return [];
        let q = db.selectFrom('audit_log').selectAll().where('account_id', 'in', accountIds);
        if (before !== undefined) q = q.where('id', '<', before);
        const rows = await q.orderBy('id', 'desc').limit(limit).execute();
        return rows.map(auditEntry);
      },
    },

    customerSessions: {
      async create({ accountId, customer, expiresAt, createdBy, apiKeyId }) {
        const token = newToken(CUSTOMER_TOKEN_PREFIX);
        const id = randomUUID();
        await conflictOnConstraint(
          () =>
            db
              .insertInto('customer_sessions')
              .values({
                id,
                token_hash: hashToken(token),
                account_id: accountId,
                customer_id: customer.id,
                customer: JSON.stringify(customer),
                created_by: createdBy ?? null,
                api_key_id: apiKeyId ?? null,
                created_at: nowIso(),
                expires_at: expiresAt.toISOString(),
              })
              .execute(),
          `Unknown account "${accountId}".`,
        );
        return { token, sessionId: id, expiresAt: expiresAt.toISOString() };
      },
      async resolve(token) {
        if (!token.startsWith(CUSTOMER_TOKEN_PREFIX)) return null;
        const { rows } = await liveCustomerSession({ tokenHash: hashToken(token), now: nowIso() });
        const row = rows[0];
        if (!row) return null;
        const identity = JSON.parse(row.customer) as CustomerIdentity;
        const customer: Customer = {
          ...identity,
          twocheckoutSubscriptions: identity.twocheckoutSubscriptions ?? [],
          accountId: row.account_id,
          sessionId: row.id,
        };
        return customer;
      },
      async revoke(token, options = {}) {
        const { accountIds } = options;
        if (accountIds !== undefined && accountIds.length === 0) return false;
        let query = db
          .updateTable('customer_sessions')
          .set({ revoked_at: nowIso() })
          .where('token_hash', '=', hashToken(token))
          .where('revoked_at', 'is', null);
        if (accountIds !== undefined) query = query.where('account_id', 'in', accountIds);
        const result = await query.executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      },
    },

    accounts: {
      async create(input) {
        const ts = nowIso();
        await conflictOnConstraint(
          () =>
            db
              .insertInto('accounts')
              .values({
                id: input.id,
                name: input.name,
                account_name: input.accountName ?? null,
                unique_id: input.uniqueId ?? null,
                repcode: input.repcode ?? null,
                customer_service_phone: input.customerServicePhone ?? null,
                customer_service_email: input.customerServiceEmail ?? null,
                whitelabel_settings: JSON.stringify(input.whitelabelSettings ?? {}),
                created_at: ts,
                updated_at: ts,
              })
              .execute(),
          `An account with id "${input.id}" already exists.`,
        );
        const created = await store.accounts.get(input.id);
        if (!created) throw new Error('account vanished after insert');
        return created;
      },
      async get(id) {
        const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? account(row) : null;
      },
      async list() {
        const rows = await db.selectFrom('accounts').selectAll().orderBy('id').execute();
        return rows.map(account);
      },
    },

    users: {
      async create({ email, createdBy }) {
        const ts = nowIso();
        const row = await conflictOnConstraint(
          () =>
            db
              .insertInto('users')
              .values({
                email,
                created_by: createdBy ?? null,
                updated_by: createdBy ?? null,
                created_at: ts,
                updated_at: ts,
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          `A user with email "${email}" already exists.`,
        );
        return {
          id: Number(row.id),
          email: row.email,
          createdBy: row.created_by,
          updatedBy: row.updated_by,
          createdAt: toIso(row.created_at),
          updatedAt: toIso(row.updated_at),
        };
      },
      async get(id) {
        const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        return row
          ? {
              id: Number(row.id),
              email: row.email,
              createdBy: row.created_by,
              updatedBy: row.updated_by,
              createdAt: toIso(row.created_at),
              updatedAt: toIso(row.updated_at),
            }
          : null;
      },
      async findByEmail(email) {
        const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        return row ? store.users.get(Number(row.id)) : null;
      },
      async addMembership(userId, accountId, roles, options = {}) {
        const known = new Set(await store.users.roles());
        const unknown = roles.filter((r) => !known.has(r));
        if (unknown.length > 0) {
          throw new StoreConflictError(
            `Unknown role(s): ${unknown.join(', ')}. Known roles: ${[...known].join(', ')}.`,
          );
        }
        await conflictOnConstraint(
          () =>
            db.transaction().execute(async (tx) => {
              const existing = await tx
                .selectFrom('memberships')
                .select(['account_id', 'is_primary'])
                .where('user_id', '=', userId)
                .execute();
              const member = existing.find((m) => m.account_id === accountId);
              const primary = options.primary ?? existing.length === 0;
              if (primary) {
                await tx
                  .updateTable('memberships')
                  .set({ is_primary: 0 })
                  .where('user_id', '=', userId)
                  .execute();
              }
              if (!member) {
                await tx
                  .insertInto('memberships')
                  .values({
                    user_id: userId,
                    account_id: accountId,
                    is_primary: primary ? 1 : 0,
                    created_at: nowIso(),
                  })
                  .execute();
              } else if (primary) {
                await tx
                  .updateTable('memberships')
                  .set({ is_primary: 1 })
                  .where('user_id', '=', userId)
                  .where('account_id', '=', accountId)
                  .execute();
              }
              if (roles.length > 0) {
                await tx
                  .insertInto('membership_roles')
                  .values(roles.map((role) => ({ user_id: userId, account_id: accountId, role })))
                  .onConflict((oc) => oc.columns(['user_id', 'account_id', 'role']).doNothing())
                  .execute();
              }
            }),
          `Unknown user ${userId} or account "${accountId}".`,
        );
      },
      async memberships(userId) {
        const rows = await db
          .selectFrom('memberships as m')
          .innerJoin('accounts as a', 'a.id', 'm.account_id')
          .selectAll('a')
          .select('m.is_primary')
          .where('m.user_id', '=', userId)
          .orderBy('m.is_primary', 'desc')
          .orderBy('a.id')
          .execute();
        if (rows.length === 0) return [];
        const grants = await db
          .selectFrom('membership_roles as mr')
          .leftJoin('role_permissions as rp', 'rp.role', 'mr.role')
          .select(['mr.account_id', 'mr.role', 'rp.permission'])
          .where('mr.user_id', '=', userId)
          .execute();
        return rows.map((row): Membership => {
          const mine = grants.filter((g) => g.account_id === row.id);
          return {
            account: account(row),
            isPrimary: Number(row.is_primary) === 1,
            roles: [...new Set(mine.map((g) => g.role))].sort(),
            permissions: [...new Set(mine.flatMap((g) => (g.permission ? [g.permission] : [])))].sort(),
          };
        });
      },
      async roles() {
        const rows = await db.selectFrom('roles').select('name').orderBy('name').execute();
        return rows.map((r) => r.name);
      },
    },

    apiKeys: {
      async create(userId, options = {}) {
        const keyId = newToken(API_KEY_PREFIX);
        const secret = newSecret();
        const createdAt = nowIso();
        const expiresAt = options.expiresAt ? options.expiresAt.toISOString() : null;
        await conflictOnConstraint(
          () =>
            db
              .insertInto('api_keys')
              .values({
                id: keyId,
                secret_hash: hashToken(secret),
                user_id: userId,
                created_at: createdAt,
                expires_at: expiresAt,
              })
              .execute(),
          `Unknown user ${userId}.`,
        );
        return { keyId, secret, createdAt, expiresAt };
      },
      async verify(keyId, secret) {
        // An id of another shape is no key: it is not looked up (PostgreSQL refuses text with a NUL
        // in it), but still hashed and compared like an unknown one.
        const row = isApiKeyId(keyId)
          ? await db
              .selectFrom('api_keys')
              .select(['id', 'user_id', 'secret_hash', 'expires_at', 'revoked_at'])
              .where('id', '=', keyId)
              .executeTakeFirst()
          : undefined;
        // Hash and compare whether or not the key exists, so both paths do the same work.
        const matches = sameHash(hashToken(secret), row?.secret_hash ?? NO_SUCH_KEY_HASH);
        if (!row || !matches) return null;
        if (row.revoked_at !== null) return null;
        const current = now();
        if (row.expires_at !== null && new Date(row.expires_at).getTime() <= current.getTime()) return null;
        await db
          .updateTable('api_keys')
          .set({ last_used_at: current.toISOString() })
          .where('id', '=', row.id)
          .execute();
        return { userId: Number(row.user_id), keyId: row.id, expiresAt: optionalIso(row.expires_at) };
      },
      async revoke(keyId) {
        const ts = nowIso();
        // A leaked key's sessions, and the customer tokens made through them, go with it, all
        // at once: no moment where the key is dead but what it made still works.
        return db.transaction().execute(async (tx) => {
          const result = await tx
            .updateTable('api_keys')
            .set({ revoked_at: ts })
            .where('id', '=', keyId)
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          await tx
            .updateTable('sessions')
            .set({ revoked_at: ts })
            .where('api_key_id', '=', keyId)
            .where('revoked_at', 'is', null)
            .execute();
          await tx
            .updateTable('customer_sessions')
            .set({ revoked_at: ts })
            .where('api_key_id', '=', keyId)
            .where('revoked_at', 'is', null)
            .execute();
          return Number(result.numUpdatedRows) > 0;
        });
      },
      async list(userId) {
        const rows = await db
          .selectFrom('api_keys')
          .select(['id', 'user_id', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .execute();
        return rows.map((r) => ({
          keyId: r.id,
          userId: Number(r.user_id),
          createdAt: toIso(r.created_at),
          expiresAt: optionalIso(r.expires_at),
          revokedAt: optionalIso(r.revoked_at),
          lastUsedAt: optionalIso(r.last_used_at),
        }));
      },
    },

    sessions: {
      async create(userId, { expiresAt, apiKeyId }) {
        const token = newToken(SESSION_TOKEN_PREFIX);
        await db
          .insertInto('sessions')
          .values({
            token_hash: hashToken(token),
            user_id: userId,
            api_key_id: apiKeyId ?? null,
            created_at: nowIso(),
            expires_at: expiresAt.toISOString(),
          })
          .execute();
        return { token, expiresAt: expiresAt.toISOString() };
      },
      async resolve(token) {
        if (!token.startsWith(SESSION_TOKEN_PREFIX)) return null;
        const row = await db
          .selectFrom('sessions')
          .select(['user_id', 'api_key_id', 'created_at', 'expires_at'])
          .where('token_hash', '=', hashToken(token))
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', nowIso())
          .executeTakeFirst();
        if (!row) return null;
        return {
          userId: Number(row.user_id),
          apiKeyId: row.api_key_id,
          createdAt: toIso(row.created_at),
          expiresAt: toIso(row.expires_at),
        };
      },
      async revoke(token) {
        const result = await db
          .updateTable('sessions')
          .set({ revoked_at: nowIso() })
          .where('token_hash', '=', hashToken(token))
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      },
    },

    connections: createConnectionStore(db, nowIso),

    async purgeExpired(before) {
      const cutoff = before.toISOString();
      const sessions = await db.deleteFrom('sessions').where('expires_at', '<', cutoff).executeTakeFirst();
      const customers = await db
        .deleteFrom('customer_sessions')
        .where('expires_at', '<', cutoff)
        .executeTakeFirst();
      return Number(sessions.numDeletedRows) + Number(customers.numDeletedRows);
    },

    close: options.destroy,
  };
  return store;
}
