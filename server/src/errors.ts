import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '@handoff/core';

/**
 * The one error type the app throws on purpose. `app.onError` turns it into
 * `{error: {code, message}}` with its status; anything else becomes a 500 with a generic message.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers;
  }
  readonly headers: Record<string, string> | undefined;

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string) => new ApiError(400, 'bad_request', message);
export const unauthorized = (message = 'Authentication required.') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'Not allowed.') => new ApiError(403, 'forbidden', message);
export const notFound = (message = 'Not found.') => new ApiError(404, 'not_found', message);

/** A provider answered with a refusal or an unusable body: 502 with the provider's own message. */
export class ProviderError extends ApiError {
  override name = 'ProviderError';
  constructor(
    readonly provider: string,
    providerMessage: string,
    options?: { cause?: unknown },
  ) {
    super(502, 'provider_error', `${provider}: ${providerMessage}`, options);
  }
}

/** A provider did not answer within the configured timeout: 504. */
export class ProviderTimeoutError extends ApiError {
  override name = 'ProviderTimeoutError';
  constructor(
    readonly provider: string,
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(504, 'provider_timeout', `${provider} did not answer within ${timeoutMs} ms.`, options);
  }
}
