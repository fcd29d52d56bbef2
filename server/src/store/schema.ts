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
  /** bigint on PostgreSQL, which pg reads as a string. */
  id: Generated<number | string>;
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
  /** SHA-256 hex of the API session token that created it: logging out ends it. */
  api_session_hash: string | null;
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

/** `Idempotency-Key` records of `POST /v1/customer-sessions` (see `store/idempotency-keys.ts`). */
export interface IdempotencyKeysTable {
  user_id: number;
  /** SHA-256 hex of the key: the key itself is what the sealed token is encrypted under. */
  key_hash: string;
  /** SHA-256 hex of the canonical request body. */
  request_hash: string;
  /** The three answer columns stay null while the first request is still being answered. */
  session_id: string | null;
  sealed_token: string | null;
  expires_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AuditLogTable {
  /** bigint on PostgreSQL, which pg reads as a string. */
  id: Generated<number | string>;
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

/** Epoch milliseconds or a count in a `bigint` column: pg reads int8 as a string. */
export type BigIntColumn = ColumnType<number | string | bigint, number, number>;

/** One abuse-limit bucket in its current fixed window. */
export interface RateLimitsTable {
  bucket: string;
  /** When the window ends, epoch ms. */
  resets_at: BigIntColumn;
  count: BigIntColumn;
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

export interface WebhookEndpointsTable {
  account_id: string;
  provider: string;
  /** SHA-256 hex of the webhook token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: Timestamp;
}

export interface WebhookEventsTable {
  account_id: string;
  provider: string;
  /** The provider event's identity (a hash of the verified body, or provider ids and date). */
  event_key: string;
  received_at: Timestamp;
}

export interface OkePayContactsTable {
  account_id: string;
  contact_id: number;
  /** Lower-case. */
  email: string;
  subscription_id: number | null;
  subscription_status: string | null;
  event_at: Timestamp;
}

export interface TwoCheckoutSubscriptionsTable {
  account_id: string;
  reference: string;
  /** Lower-case; null when the notification carried none. */
  email: string | null;
  status: string;
  expires_at: NullableTimestamp;
  /** 1 when 2Checkout disabled the subscription. */
  disabled: number;
  event_at: Timestamp;
}

export interface PaybisVerificationsTable {
  account_id: string;
  auth_key: string;
  status: string;
  event_at: Timestamp;
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
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  okepay_contacts: OkePayContactsTable;
  twocheckout_subscriptions: TwoCheckoutSubscriptionsTable;
  paybis_verifications: PaybisVerificationsTable;
  rate_limits: RateLimitsTable;
  provider_connections: ProviderConnectionsTable;
  idempotency_keys: IdempotencyKeysTable;
}

/** Both drivers' timestamp shapes as ISO 8601 UTC. */
export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
