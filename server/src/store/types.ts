import type { CustomerIdentity } from '@handoff/core';

/**
 * What the backend keeps. Two implementations share one Kysely code path: SQLite (embedded
 * default) and PostgreSQL (several instances). The parts that provider routes rely on are
 * pinned here; the identity parts are owned by `auth/`.
 */

/** A customer as bound on the server: by a customer session, or by the embedded `identify` hook. */
export interface Customer extends CustomerIdentity {
  /** The account (merchant configuration) this customer belongs to. */
  accountId: string;
  /** The customer session id, when the customer came through one. */
  sessionId?: string;
}

export interface AuditEntryInput {
  /** e.g. `auth.login`, `customer_session.create`, `okepay.login_link`, `2checkout.sso`, `paybis.session`. */
  action: string;
  outcome: 'success' | 'failure';
  accountId?: string | null;
  /** The API user, for server-to-server calls. */
  userId?: number | null;
  customerId?: string | null;
  provider?: string | null;
  clientIp?: string | null;
  /** Short, non-secret detail: an error code, an access page, a subscription reference. Never a token. */
  detail?: string | null;
}

export interface PaybisAuthKeys {
  /**
   * The customer's auth key, created exactly once (even under concurrent first requests, across
   * instances) and returned for ever after.
   */
  getOrCreate(accountId: string, customerId: string): Promise<{ authKey: string; created: boolean }>;
}

/**
 * The store as the rest of the backend sees it. `auth/` and `store/` add the identity parts
 * (accounts, users, API keys, sessions, audit listing) to this interface.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly paybisAuthKeys: PaybisAuthKeys;
  readonly audit: AuditLog;
  readonly customerSessions: {
    /** The customer bound to a live (unexpired, unrevoked) customer token, or null. */
    resolve(token: string): Promise<Customer | null>;
  } & CustomerSessionAdmin;
  readonly accounts: Accounts;
  readonly users: Users;
  readonly apiKeys: ApiKeys;
  readonly sessions: Sessions;
  readonly connections: ProviderConnections;
  /** Deletes API and customer sessions that expired before `before`; returns how many. */
  purgeExpired(before: Date): Promise<number>;
  close(): Promise<void>;
}

// ---- Identity (accounts, API users, keys, sessions) ----

export interface AccountRecord {
  id: string;
  name: string;
  accountName: string | null;
  uniqueId: string | null;
  repcode: string | null;
  customerServicePhone: string | null;
  customerServiceEmail: string | null;
  whitelabelSettings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export type AccountInput = Pick<AccountRecord, 'id' | 'name'> &
  Partial<Omit<AccountRecord, 'id' | 'name' | 'createdAt' | 'updatedAt'>>;

export interface Accounts {
  /** Throws `StoreConflictError` when the id is taken. */
  create(input: AccountInput): Promise<AccountRecord>;
  get(id: string): Promise<AccountRecord | null>;
  list(): Promise<AccountRecord[]>;
}

export interface UserRecord {
  id: number;
  email: string;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A user's place in one account: roles there and the permissions they grant. */
export interface Membership {
  account: AccountRecord;
  isPrimary: boolean;
  roles: string[];
  permissions: string[];
}

export interface Users {
  /** Throws `StoreConflictError` when the email is taken. */
  create(input: { email: string; createdBy?: string | null }): Promise<UserRecord>;
  get(id: number): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  /**
   * Adds the user to an account with roles (or adds roles to an existing membership). The first
   * membership becomes primary unless `primary` says otherwise. Throws `StoreConflictError` for an
   * unknown role or account.
   */
  addMembership(
    userId: number,
    accountId: string,
    roles: string[],
    options?: { primary?: boolean },
  ): Promise<void>;
  /** Memberships ordered primary first, then by account id. */
  memberships(userId: number): Promise<Membership[]>;
  /** Known role names. */
  roles(): Promise<string[]>;
}

export interface ApiKeyCreated {
  keyId: string;
  /** Shown once; only its hash is stored. */
  secret: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface ApiKeyRecord {
  keyId: string;
  userId: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface ApiKeys {
  create(userId: number, options?: { expiresAt?: Date | null }): Promise<ApiKeyCreated>;
  /**
   * The user id (and when the key expires) when the key exists, is live, and the secret matches;
   * otherwise null. The same hash
   * work is done for unknown keys, and the comparison is constant-time.
   */
  verify(
    keyId: string,
    secret: string,
  ): Promise<{ userId: number; keyId: string; expiresAt: string | null } | null>;
  /**
   * Revokes the key and, in the same transaction, the API sessions opened with it and the
   * customer sessions those created. True when a live key was revoked.
   */
  revoke(keyId: string): Promise<boolean>;
  list(userId: number): Promise<ApiKeyRecord[]>;
}

export interface SessionRecord {
  userId: number;
  apiKeyId: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface Sessions {
  create(
    userId: number,
    options: { expiresAt: Date; apiKeyId?: string | null },
  ): Promise<{ token: string; expiresAt: string }>;
  /** The live (unexpired, unrevoked) session for a token, or null. */
  resolve(token: string): Promise<SessionRecord | null>;
  /** True when a live session was revoked. */
  revoke(token: string): Promise<boolean>;
}

export interface CustomerSessionAdmin {
  create(input: {
    accountId: string;
    customer: CustomerIdentity;
    expiresAt: Date;
    createdBy?: number | null;
    /** The API key of the session creating it: revoking that key ends this session too. */
    apiKeyId?: string | null;
  }): Promise<{ token: string; sessionId: string; expiresAt: string }>;
  /**
   * True when a live customer session was revoked. With `accountIds`, only a session bound to one
   * of those accounts is touched.
   */
  revoke(token: string, options?: { accountIds?: string[] }): Promise<boolean>;
}

export interface AuditEntry {
  id: number;
  at: string;
  action: string;
  outcome: 'success' | 'failure';
  accountId: string | null;
  userId: number | null;
  customerId: string | null;
  provider: string | null;
  clientIp: string | null;
  detail: string | null;
}

export interface AuditLog {
  record(entry: AuditEntryInput): Promise<void>;
  /** Newest first; `before` is an entry id (exclusive) for the next page. */
  list(query: { accountIds: string[]; limit: number; before?: number }): Promise<AuditEntry[]>;
}

// ---- Provider connections ----

/** One account's stored connection to one provider, as kept: secrets are ciphertexts. */
export interface StoredConnection {
  id: string;
  accountId: string;
  provider: string;
  settings: Record<string, unknown>;
  /** Field name → ciphertext; decrypted only by `connections/`. */
  secrets: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProviderConnections {
  /** One indexed read (account, provider); null when the account has no such connection. */
  get(accountId: string, provider: string): Promise<StoredConnection | null>;
  /** The account's connections, or every stored connection when `accountId` is left out. */
  list(accountId?: string): Promise<StoredConnection[]>;
  /**
   * Creates (`expectedVersion` null) or replaces (only while the row still has `expectedVersion`)
   * a connection; the new version is one more. Null when another writer got there first: read
   * again and retry. Throws `StoreConflictError` for an unknown account.
   */
  save(input: {
    id: string;
    accountId: string;
    provider: string;
    settings: Record<string, unknown>;
    secrets: Record<string, string>;
    expectedVersion: number | null;
  }): Promise<StoredConnection | null>;
  /**
   * Replaces the ciphertexts of the same values (key rotation) while the row still has `version`;
   * the version stays, since nothing a client uses changed. False when the row changed meanwhile.
   */
  replaceCiphertexts(id: string, version: number, secrets: Record<string, string>): Promise<boolean>;
  /** True when a connection was removed. */
  remove(accountId: string, provider: string): Promise<boolean>;
}

/** A uniqueness or reference rule refused the write (duplicate id, unknown account or role). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
