/** Every error this SDK throws; `instanceof HandoffError` catches them all. */
export class HandoffError extends Error {
  override name = 'HandoffError';
}

/**
 * The backend answered with an error. `code` is its stable code (`unauthorized`, `forbidden`,
 * `bad_request`, `idempotency_key_reused`, `rate_limited`, …) and `status` the HTTP status.
 */
export class HandoffApiError extends HandoffError {
  override name = 'HandoffApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The backend could not be reached (connection refused, reset, DNS), after the retries. */
export class HandoffNetworkError extends HandoffError {
  override name = 'HandoffNetworkError';
}

/** The call's deadline (`timeoutMs`) passed before the backend answered. */
export class HandoffTimeoutError extends HandoffError {
  override name = 'HandoffTimeoutError';
}
