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

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    getMigrations: () =>
      Promise.resolve({
        '0001_initial': initial(dialect),
        '0002_customer_sessions_api_key': customerSessionsApiKey,
        '0003_connections': connections(dialect),
      }),
  };
}
