/**
 * The backend's request and response shapes this SDK sends and reads. They mirror @handoff/core's
 * wire types (checked by `wire.test.ts`) and are copied rather than imported so that this package
 * has no dependencies.
 */

/** Who the customer is, as the host app's server binds them. */
export interface CustomerIdentity {
  /** The host app's own id for this customer. */
  id: string;
  email?: string;
  /**
   * True when your app has verified `email` (the customer proved they own it): the backend then
   * finds the customer's provider ids in the account's directory, which the providers' webhooks
   * fill. Without it an email resolves nothing.
   */
  emailVerified?: boolean;
  /** OkePay contact id (from the subscription webhook). */
  okepayContactId?: number;
  /** 2Checkout subscription references this customer may manage. */
  twocheckoutSubscriptions?: string[];
  /** Whether this customer may start the Paybis widget. */
  paybis?: boolean;
}

export interface CustomerSessionRequest {
  customer: CustomerIdentity;
  /** Lifetime in seconds (60-86400; default: the backend's setting, 900). */
  ttlSeconds?: number;
  /** Account to bind to; defaults to the API user's primary account. */
  accountId?: string;
}

/** A customer token for the page, and when it expires (ISO 8601). */
export interface CustomerSession {
  token: string;
  expiresAt: string;
}

/** Every error response of the backend has this body. */
export interface ErrorBody {
  error: { code: string; message: string };
}
