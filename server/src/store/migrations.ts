import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations live in code (no files to ship or find at run time) and are written once for both
 * dialects; the few differences (identity columns, timestamp type) are chosen by `dialect`.
 * A migration, once released, is never edited: add a new one.
 */
export type SqlDialect = 'sqlite' | 'postgres';

const ROLES: Record<string, { description: string; permissions: string[] }> = {
  admin: {
    description: 'Everything in the account.',
    permissions: ['customer-sessions:create', 'customer-sessions:revoke', 'audit:read', 'accounts:manage'],
  },
  integration: {
    description: "A host app's server: creates customer sessions.",
    permissions: ['customer-sessions:create', 'customer-sessions:revoke'],
  },
  auditor: { description: 'Reads the audit log.', permissions: ['audit:read'] },
};

const PERMISSIONS: Record<string, string> = {
  'customer-sessions:create': 'Create customer sessions for customers of the account.',
  'customer-sessions:revoke': 'Revoke customer sessions of the account.',
  'audit:read': "Read the account's audit log.",
  'accounts:manage': 'Manage the account, its users and keys.',
};

function initial(dialect: SqlDialect): Migration {
  const ts = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      const now = new Date().toISOString();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('account_name', 'text')
        .addColumn('unique_id', 'text')
        .addColumn('repcode', 'text')
        .addColumn('customer_service_phone', 'text')
        .addColumn('customer_service_email', 'text')
        .addColumn('whitelabel_settings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text')
        .addColumn('updated_by', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('roles')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('permissions')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('role_permissions')
        .addColumn('role', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
        .addColumn('permission', 'text', (c) =>
          c.notNull().references('permissions.name').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('role_permissions_pk', ['role', 'permission'])
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'account_id'])
        .execute();
      // At most one primary account per user.
      await db.schema
        .createIndex('memberships_one_primary')
        .on('memberships')
        .column('user_id')
        .unique()
        .where(sql.ref('is_primary'), '=', 1)
        .execute();

      await db.schema
        .createTable('membership_roles')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().references('roles.name'))
        .addPrimaryKeyConstraint('membership_roles_pk', ['user_id', 'account_id', 'role'])
        .addForeignKeyConstraint(
          'membership_roles_membership_fk',
          ['user_id', 'account_id'],
          'memberships',
          ['user_id', 'account_id'],
          (c) => c.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts)
        .addColumn('revoked_at', ts)
        .addColumn('last_used_at', ts)
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('api_key_id', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('revoked_at', ts)
        .execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

      await db.schema
        .createTable('customer_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('customer', 'text', (c) => c.notNull())
        .addColumn('created_by', 'integer')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('revoked_at', ts)
        .execute();
      await db.schema
        .createIndex('customer_sessions_customer')
        .on('customer_sessions')
        .columns(['account_id', 'customer_id'])
        .execute();
      await db.schema
        .createIndex('customer_sessions_expires_at')
        .on('customer_sessions')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('paybis_auth_keys')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('auth_key', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('paybis_auth_keys_pk', ['account_id', 'customer_id'])
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', ts, (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('user_id', 'integer')
        .addColumn('customer_id', 'text')
        .addColumn('provider', 'text')
        .addColumn('client_ip', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createIndex('audit_log_account_id')
        .on('audit_log')
        .columns(['account_id', 'id'])
        .execute();

      const seed = db as Kysely<{
        roles: { name: string; description: string };
        permissions: { name: string; description: string };
        role_permissions: { role: string; permission: string };
        accounts: {
          id: string;
          name: string;
          whitelabel_settings: string;
          created_at: string;
          updated_at: string;
        };
      }>;
      await seed
        .insertInto('permissions')
        .values(Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description })))
        .execute();
      await seed
        .insertInto('roles')
        .values(Object.entries(ROLES).map(([name, r]) => ({ name, description: r.description })))
        .execute();
      await seed
        .insertInto('role_permissions')
        .values(
          Object.entries(ROLES).flatMap(([role, r]) =>
            r.permissions.map((permission) => ({ role, permission })),
          ),
        )
        .execute();
      // The single-account set-up works out of the box.
      await seed
        .insertInto('accounts')
        .values({
          id: 'default',
          name: 'Default',
          whitelabel_settings: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute();
    },
  };
}

/**
 * Customer sessions remember the API key whose session created them, so revoking a leaked key
 * ends the customer tokens made with it too. Rows from before have none: they keep working until
 * they expire (one day at most).
 */
const customerSessionsApiKey: Migration = {
  async up(db: Kysely<unknown>) {
    // No index: only revoking a key looks rows up by it, and every customer session would pay for one.
    await db.schema.alterTable('customer_sessions').addColumn('api_key_id', 'text').execute();
  },
};

/**
 * Provider connections: each account's credentials and settings for one provider. Secret fields
 * are stored only as ciphertexts (see `connections/encryption.ts`); settings are plain JSON. The
 * `admin` role gets the new `connections:manage` permission.
 */
function connections(dialect: SqlDialect): Migration {
  const ts = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('provider_connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('provider_connections_account_provider', ['account_id', 'provider'])
        .execute();
      const seed = db as Kysely<{
        permissions: { name: string; description: string };
        role_permissions: { role: string; permission: string };
      }>;
      await seed
        .insertInto('permissions')
        .values({
          name: 'connections:manage',
          description: "Set, read (never the secrets) and remove the account's provider connections.",
        })
        .execute();
      await seed
        .insertInto('role_permissions')
        .values({ role: 'admin', permission: 'connections:manage' })
        .execute();
    },
  };
}

/**
 * Hardening: abuse-limit counters shared by every instance, customer sessions tied to the API
 * session that made them, and 64-bit ids wherever an id grows.
 */
function hardening(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One row per bucket and fixed window; `resets_at` is when its window ends (epoch ms).
      await db.schema
        .createTable('rate_limits')
        .addColumn('bucket', 'text', (c) => c.primaryKey())
        .addColumn('resets_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_limits_resets_at').on('rate_limits').column('resets_at').execute();

      // The SHA-256 of the API session token that created a customer session: logging out ends it.
      await db.schema.alterTable('customer_sessions').addColumn('api_session_hash', 'text').execute();
      await db.schema
        .createIndex('customer_sessions_api_session')
        .on('customer_sessions')
        .column('api_session_hash')
        .execute();

      // SQLite's INTEGER is 64-bit already; PostgreSQL's integer is not. An identity column takes
      // its sequence along (to a bigint maximum).
      if (dialect === 'postgres') {
        const bigint: Array<[string, string]> = [
          ['audit_log', 'id'],
          ['audit_log', 'user_id'],
          ['users', 'id'],
          ['memberships', 'user_id'],
          ['membership_roles', 'user_id'],
          ['api_keys', 'user_id'],
          ['sessions', 'user_id'],
          ['customer_sessions', 'created_by'],
        ];
        for (const [table, column] of bigint) {
          await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type bigint`.execute(db);
        }
      }
    },
  };
}

/**
 * `Idempotency-Key` on `POST /v1/customer-sessions`: one row per API user and key, kept a day.
 * The answer is stored sealed (see `auth/idempotency.ts`), so a retry gets the same token back.
 */
function idempotencyKeys(dialect: SqlDialect): Migration {
  const ts = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('user_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          c.notNull().references('users.id').onDelete('cascade'),
        )
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text')
        .addColumn('sealed_token', 'text')
        .addColumn('expires_at', ts)
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key_hash'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_created_at')
        .on('idempotency_keys')
        .column('created_at')
        .execute();
    },
  };
}

/**
 * The customer directory: what verified provider webhooks said about each customer of an account
 * (by email), and the webhook events already ingested (idempotency). `event_at` is when the
 * provider says the fact became true: a row is only replaced by a fact at least as recent.
 */
function customerDirectory(dialect: SqlDialect): Migration {
  const ts = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      // One webhook URL per connection: the token is stored only as its SHA-256 hash.
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_endpoints_pk', ['account_id', 'provider'])
        .execute();

      await db.schema
        .createTable('webhook_events')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('received_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_events_pk', ['account_id', 'provider', 'event_key'])
        .execute();
      await db.schema
        .createIndex('webhook_events_received_at')
        .on('webhook_events')
        .column('received_at')
        .execute();

      await db.schema
        .createTable('okepay_contacts')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('subscription_id', 'integer')
        .addColumn('subscription_status', 'text')
        .addColumn('event_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('okepay_contacts_pk', ['account_id', 'contact_id'])
        .execute();
      await db.schema
        .createIndex('okepay_contacts_email')
        .on('okepay_contacts')
        .columns(['account_id', 'email'])
        .execute();

      await db.schema
        .createTable('twocheckout_subscriptions')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expires_at', ts)
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('event_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('twocheckout_subscriptions_pk', ['account_id', 'reference'])
        .execute();
      await db.schema
        .createIndex('twocheckout_subscriptions_email')
        .on('twocheckout_subscriptions')
        .columns(['account_id', 'email'])
        .execute();

      await db.schema
        .createTable('paybis_verifications')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('auth_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('event_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('paybis_verifications_pk', ['account_id', 'auth_key'])
        .execute();
    },
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    getMigrations: () =>
      Promise.resolve({
        '0001_initial': initial(dialect),
        '0002_customer_sessions_api_key': customerSessionsApiKey,
        '0003_connections': connections(dialect),
        '0004_hardening': hardening(dialect),
        '0005_idempotency_keys': idempotencyKeys(dialect),
        '0006_customer_directory': customerDirectory(dialect),
      }),
  };
}
