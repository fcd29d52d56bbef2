import type { ErrorCode } from './wire.ts';

/**
 * Every error Handoff reports to a page. Branch on `code` (stable) or on the subclass with
 * `instanceof`; `message` is for people.
 */
export class HandoffError extends Error {
  override name = 'HandoffError';
  readonly code: ErrorCode | 'network_error' | 'popup_blocked' | 'aborted' | 'script_load_failed';
  /** HTTP status of the backend's answer, when there was one. */
  readonly status: number | undefined;

  constructor(code: HandoffError['code'], message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status;
  }
}

/** The backend could not be reached, or did not answer in the expected shape. */
export class HandoffNetworkError extends HandoffError {
  override name = 'HandoffNetworkError';
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('network_error', message, options);
  }
}

/** The customer token is missing, expired or revoked (HTTP 401). */
export class HandoffAuthError extends HandoffError {
  override name = 'HandoffAuthError';
}

/** The payment provider refused or timed out (HTTP 502 / 504). */
export class HandoffProviderError extends HandoffError {
  override name = 'HandoffProviderError';
}

/** The request was aborted by the caller (e.g. the component unmounted). */
export class HandoffAbortError extends HandoffError {
  override name = 'HandoffAbortError';
  constructor(message = 'The request was aborted.') {
    super('aborted', message);
  }
}
