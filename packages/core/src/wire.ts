/**
 * The wire types shared by the backend and the browser: one definition of every request and
 * response body. The server's zod schemas are checked against these (`satisfies`), so the two
 * cannot drift apart.
 */

/** Stable error codes. Clients branch on these, never on messages. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'conflict'
  | 'idempotency_key_in_progress'
  | 'idempotency_key_unusable'
  | 'idempotency_key_reused'
  | 'provider_not_configured'
  | 'provider_error'
  | 'provider_timeout'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'unavailable'
  | 'internal';

/** Every error response of the backend has this body. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export type ProviderName = 'okepay' | '2checkout' | 'paybis';

/** A one-time login link. `expiresAt` is an ISO 8601 date-time. */
export interface LinkResponse {
  url: string;
  expiresAt: string;
}

/** 2Checkout myAccount pages that single sign-on can land on (absent: the myAccount home page). */
export const TWOCHECKOUT_ACCESS_PAGES = [
  'view_order',
  'my_license',
  'change_card',
  'my_products',
  'payment_methods',
  'user_data',
  'order_lookup',
  'faq',
] as const;
export type TwoCheckoutAccessPage = (typeof TWOCHECKOUT_ACCESS_PAGES)[number];

/** `POST /v1/okepay/login-link`: the contact comes from the customer session, so the body is empty. */
export type OkePayLoginLinkRequest = Record<string, never>;

/** `POST /v1/2checkout/sso` */
export interface TwoCheckoutSsoRequest {
  /** Must be one of the customer's own subscriptions. */
  subscriptionReference: string;
  accessPage?: TwoCheckoutAccessPage;
  /** Seconds the link stays valid, 5 to 300. */
  validityTime?: number;
}

export type PaybisFlow = 'buyCrypto' | 'sellCrypto';

/** `POST /v1/paybis/session`: widget parameters only; who the customer is comes from the session. */
export interface PaybisSessionRequest {
  flow?: PaybisFlow;
  locale?: string;
  cryptoWalletAddress?: { address: string; currencyCode: string };
  currencyCodeFrom?: string;
  currencyCodeTo?: string;
  /** A decimal string, e.g. "100.00". */
  amount?: string;
  successReturnURL?: string;
  failureReturnURL?: string;
}

export interface PaybisSessionResponse {
  requestId: string;
  /** Present when Paybis already knows this customer: the widget then opens logged in. */
  oneTimeToken?: string;
  /** The direct-URL integration, for new-tab and redirect modes. */
  widgetUrl: string;
  /** The Web SDK script for overlay and embedded modes. */
  scriptUrl: string;
  /** When the one-time token stops working (only with a token). */
  expiresAt?: string;
}

/** A 2Checkout subscription the customer can open, as the provider last reported it. */
export interface TwoCheckoutSubscriptionSummary {
  reference: string;
  /** e.g. `active`, `disabled`, `expired`, `canceled`; `unknown` for a reference bound explicitly. */
  status: string;
  /** ISO 8601, when 2Checkout reported one. */
  expiresAt?: string;
}

/** `GET /v1/me`: what the signed-in customer can open, for components that render conditionally. */
export interface MeResponse {
  customer: { id: string; email?: string };
  providers: {
    okepay: boolean;
    '2checkout': { subscriptionReferences: string[]; subscriptions: TwoCheckoutSubscriptionSummary[] } | null;
    paybis: { scriptUrl: string } | null;
  };
}

/** The customer a host app binds to a customer session (server to server). */
export interface CustomerIdentity {
  /** The host app's own id for this customer. */
  id: string;
  email?: string;
  /**
   * The host app has verified that the customer owns `email`: the backend then finds the
   * customer's provider ids in the account's directory (fed by the providers' webhooks) each time
   * they are used. Without it an email resolves nothing.
   */
  emailVerified?: boolean;
  /** OkePay contact id (from the subscription webhook). */
  okepayContactId?: number;
  /** 2Checkout subscription references this customer may manage. */
  twocheckoutSubscriptions?: string[];
  /** Whether this customer may start the Paybis widget. */
  paybis?: boolean;
}

/** `POST /v1/customer-sessions` */
export interface CustomerSessionRequest {
  customer: CustomerIdentity;
  /** Lifetime in seconds (default 900). */
  ttlSeconds?: number;
  /** Account to bind to; defaults to the API user's primary account. */
  accountId?: string;
}

export interface CustomerSessionResponse {
  token: string;
  expiresAt: string;
}
