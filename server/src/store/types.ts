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
  /** With a verified email: the 2Checkout subscriptions the directory knows, with their status. */
  directorySubscriptions?: DirectorySubscription[];
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

/** One fact a verified webhook brings; `eventAt` (ISO 8601) is when the provider says it became true. */
export type DirectoryChange =
  | {
      kind: 'okepay_contact';
      contactId: number;
      /** Lower-case. */
      email: string;
      subscriptionId: number | null;
      subscriptionStatus: string | null;
      eventAt: string;
    }
  | {
      kind: 'twocheckout_subscription';
      reference: string;
      /** Lower-case, or null when the notification carried none. */
      email: string | null;
      status: string;
      expiresAt: string | null;
      disabled: boolean;
      eventAt: string;
    }
  | { kind: 'paybis_verification'; authKey: string; status: string; eventAt: string };

export interface DirectorySubscription {
  reference: string;
  status: string;
  expiresAt: string | null;
  disabled: boolean;
}

/** What the directory knows about one email in one account. */
export interface DirectoryEntry {
  okepayContactId: number | null;
  twocheckoutSubscriptions: DirectorySubscription[];
}

/**
 * Per account, what verified provider webhooks said about each customer. Fed only by the webhook
 * routes; read when a customer bound by verified email uses a provider.
 */
export interface CustomerDirectory {
  /**
   * Records the event and applies its changes in one transaction. `duplicate` (nothing changed)
   * when the event was ingested before; a change older than what a row holds is skipped, and so
   * is a Paybis status for an auth key the account never created.
   */
  ingest(input: {
    accountId: string;
    provider: string;
    eventKey: string;
    changes: readonly DirectoryChange[];
  }): Promise<'applied' | 'duplicate'>;
  lookup(accountId: string, email: string): Promise<DirectoryEntry>;
  paybisStatus(accountId: string, authKey: string): Promise<string | null>;
  /** Deletes webhook event records past their retention; returns how many. */
  pruneEvents(): Promise<number>;
}

/** Each connection's webhook URL token, stored as a hash. */
export interface WebhookEndpoints {
  /** A new token for the account's connection to `provider`, replacing any earlier one (shown once). */
  rotate(accountId: string, provider: string): Promise<{ token: string; createdAt: string }>;
  /** Where a token leads, or null. */
  resolve(token: string): Promise<{ accountId: string; provider: string } | null>;
  /** The providers of the account that have a webhook token, with when it was made. */
  list(accountId: string): Promise<Array<{ provider: string; createdAt: string }>>;
  /** True when a token was removed. */
  remove(accountId: string, provider: string): Promise<boolean>;
}

/**
 * The store as the rest of the backend sees it. `auth/` and `store/` add the identity parts
 * (accounts, users, API keys, sessions, audit listing) to this interface.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly paybisAuthKeys: PaybisAuthKeys;
  readonly audit: AuditLog;
  readonly customerDirectory: CustomerDirectory;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly customerSessions: {
    /** The customer bound to a live (unexpired, unrevoked) customer token, or null. */
    resolve(token: string): Promise<Customer | null>;
  } & CustomerSessionAdmin;
  readonly accounts: Accounts;
  readonly users: Users;
  readonly apiKeys: ApiKeys;
  readonly sessions: Sessions;
  readonly rateLimits: RateLimitCounters;
  readonly connections: ProviderConnections;
  /** Deletes API and customer sessions that expired before `before`; returns how many. */
  readonly idempotencyKeys: IdempotencyKeys;
  /**
   * Deletes API and customer sessions that expired before `before`, and idempotency records made
   * before it; returns how many.
   */
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
  /** True when a live session was revoked; the customer sessions it created end with it. */
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
    /** SHA-256 hex of the API session token creating it: revoking that session ends this one too. */
    apiSessionHash?: string | null;
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

/**
 * Abuse-limit counters shared by every instance (kept in the database). A bucket counts within a
 * fixed window of `windowMs` that starts with its first addition. Times are epoch milliseconds.
 */
export interface RateLimitCounters {
  /** Adds one to `bucket` (in a new window when the last has ended); the count after and when it resets. */
  add(
    bucket: string,
    options: { windowMs: number; now: number },
  ): Promise<{ count: number; resetsAt: number }>;
  /** Takes back one addition made in the window ending at `resetsAt`; returns the count after. */
  subtract(bucket: string, resetsAt: number): Promise<number>;
  /** Forgets the bucket. */
  clear(bucket: string): Promise<void>;
  /** Deletes the buckets whose window ended by `now`; returns how many. */
  purge(now: number): Promise<number>;
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

/** What an `Idempotency-Key` answered: the customer session, its token sealed under the key. */
export interface IdempotencyAnswer {
  sessionId: string;
  sealedToken: string;
  expiresAt: string;
}

export interface IdempotencyRecord {
  requestHash: string;
  createdAt: string;
  /** Null while the request that claimed the key is still being answered. */
  answer: IdempotencyAnswer | null;
}

/** `Idempotency-Key` records, one per API user and key (see `auth/idempotency.ts`). */
export interface IdempotencyKeys {
  /**
   * Claims the key for a request. Null: claimed now, so the caller answers, then calls `complete`
   * (or `release` when it fails). Otherwise the record another request made, unless it was made
   * before `since`: such a record is forgotten and the key claimed anew.
   */
  claim(input: {
    userId: number;
    keyHash: string;
    requestHash: string;
    since: Date;
  }): Promise<IdempotencyRecord | null>;
  complete(input: { userId: number; keyHash: string; answer: IdempotencyAnswer }): Promise<void>;
  /** Drops an unanswered claim, so that a retry of a failed request can run. */
  release(input: { userId: number; keyHash: string }): Promise<void>;
  /** Deletes records made before `createdBefore`; returns how many. */
  purge(createdBefore: Date): Promise<number>;
}

/** A uniqueness or reference rule refused the write (duplicate id, unknown account or role). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
