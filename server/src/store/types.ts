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
  readonly audit: { record(entry: AuditEntryInput): Promise<void> };
  readonly customerSessions: {
    /** The customer bound to a live (unexpired, unrevoked) customer token, or null. */
    resolve(token: string): Promise<Customer | null>;
  };
  close(): Promise<void>;
}
