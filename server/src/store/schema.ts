import type { ColumnType, Generated } from 'kysely';

/**
 * The database as Kysely sees it. Timestamps are `timestamptz` on PostgreSQL and ISO 8601 text on
 * SQLite; both are written as ISO strings and read back through `toIso`.
 */
export type Timestamp = ColumnType<Date | string, string, string>;
export type NullableTimestamp = ColumnType<Date | string | null, string | null | undefined, string | null>;

export interface AccountsTable {
  id: string;
  name: string;
  account_name: string | null;
  unique_id: string | null;
  repcode: string | null;
  customer_service_phone: string | null;
  customer_service_email: string | null;
  /** JSON object text. */
  whitelabel_settings: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  created_by: string | null;
  updated_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembershipsTable {
  user_id: number;
  account_id: string;
  /** 1 for the user's primary account (at most one per user). */
  is_primary: number;
  created_at: Timestamp;
}

export interface MembershipRolesTable {
  user_id: number;
  account_id: string;
  role: string;
}

export interface RolesTable {
  name: string;
  description: string;
}

export interface PermissionsTable {
  name: string;
  description: string;
}

export interface RolePermissionsTable {
  role: string;
  permission: string;
}

export interface ApiKeysTable {
  /** The public key id (`hk_…`). */
  id: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  secret_hash: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export interface SessionsTable {
  /** SHA-256 hex of the session token. */
  token_hash: string;
  user_id: number;
  api_key_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface CustomerSessionsTable {
  id: string;
  token_hash: string;
  account_id: string;
  customer_id: string;
  /** The bound `CustomerIdentity` as JSON text. */
  customer: string;
  created_by: number | null;
  /** The API key whose session created it (null for sessions made before keys were recorded). */
  api_key_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface PaybisAuthKeysTable {
  account_id: string;
  customer_id: string;
  auth_key: string;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  action: string;
  outcome: string;
  account_id: string | null;
  user_id: number | null;
  customer_id: string | null;
  provider: string | null;
  client_ip: string | null;
  detail: string | null;
}

export interface ProviderConnectionsTable {
  id: string;
  account_id: string;
  /** A provider id of the registry: `okepay`, `2checkout`, `paybis`. */
  provider: string;
  /** JSON object text: the connection's non-secret settings. */
  settings: string;
  /** JSON object text: field name → ciphertext (`v1.<keyId>.<nonce>.<sealed>`); never a clear value. */
  secrets: string;
  /** Grows by one on every change, so caches keyed by id and version see a change at once. */
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Database {
  accounts: AccountsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  membership_roles: MembershipRolesTable;
  roles: RolesTable;
  permissions: PermissionsTable;
  role_permissions: RolePermissionsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  customer_sessions: CustomerSessionsTable;
  paybis_auth_keys: PaybisAuthKeysTable;
  audit_log: AuditLogTable;
  provider_connections: ProviderConnectionsTable;
}

/** Both drivers' timestamp shapes as ISO 8601 UTC. */
export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
