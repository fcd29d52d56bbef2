import type { ErrorCode } from './wire.ts';

/** A backend error code, or one of the failures that happen in the browser. */
export type HandoffErrorCode =
  ErrorCode | 'network_error' | 'popup_blocked' | 'aborted' | 'script_load_failed';

export interface HandoffErrorOptions {
  /** HTTP status of the backend's answer, when there was one. */
  status?: number;
  cause?: unknown;
}

/**
 * Every error Handoff reports to a page. Branch on `code` (stable) or on the subclass with
 * `instanceof`; `message` is for people. The subclasses only narrow the kind: they share this
 * constructor, so each costs the page a few bytes.
 */
export class HandoffError extends Error {
  override name = 'HandoffError';
  declare readonly code: HandoffErrorCode;
  /** HTTP status of the backend's answer, when there was one. */
  declare readonly status: number | undefined;

  constructor(code: HandoffErrorCode, message: string, options?: HandoffErrorOptions) {
    // `Error` reads only `cause` from the options, and only when it is there.
    super(message, options);
    this.code = code;
    this.status = options?.status;
  }
}

/** The backend could not be reached, or did not answer in the expected shape (`network_error`). */
export class HandoffNetworkError extends HandoffError {}

/** The customer token is missing, expired or revoked (HTTP 401). */
export class HandoffAuthError extends HandoffError {}

/** The payment provider refused or timed out (HTTP 502 / 504). */
export class HandoffProviderError extends HandoffError {}

/** The request was aborted by the caller (e.g. the component unmounted): code `aborted`. */
export class HandoffAbortError extends HandoffError {
  constructor() {
    super('aborted', 'Handoff: aborted.');
  }
}

/**
 * An option (a React prop, an element attribute) with a value Handoff cannot use: `option` names
 * it, `expected` says what it takes. Code `bad_request`; nothing is opened or asked for.
 */
export class HandoffOptionError extends HandoffError {
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super('bad_request', `Handoff: \`${option}\` must be ${expected}, got ${JSON.stringify(received)}.`);
  }
}
