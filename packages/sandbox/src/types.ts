/** Fault injection, for tests and benchmarks. Applied to provider API routes, not to hosted pages. */
export interface FaultConfig {
  /** Added before every API answer, in milliseconds. */
  latencyMs?: number;
  /** Share of API requests (0..1) answered with `errorStatus` and the provider's error shape. */
  errorRate?: number;
  /** Status for injected errors (default 500). */
  errorStatus?: number;
  /** Share of API requests (0..1) answered 200 with a body that is not valid JSON. */
  malformedRate?: number;
  /** Share of API requests (0..1) whose connection is dropped (the fetch rejects / the socket is destroyed). */
  resetRate?: number;
  /** Only these providers are affected (default: all). */
  providers?: ReadonlyArray<'okepay' | '2checkout' | 'paybis'>;
}

/** What every provider module gets from the sandbox. */
export interface SandboxContext {
  /** The origin the sandbox is served at, without a trailing slash; hosted-page links point here. */
  readonly baseUrl: string;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now(): number;
  /** The client IP of the request being handled, when the transport knows it. */
  clientIp(request: Request): string | null;
}

/**
 * One provider inside the sandbox. `handle` gets requests whose path starts with the provider's
 * prefix (`/okepay`, `/2checkout`, `/paybis`), with that prefix removed from `path`.
 */
export interface ProviderSandbox {
  handle(request: Request, path: string): Promise<Response>;
}
