import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The backend's Prometheus metrics, in a registry of their own (so several apps in one process,
 * as in tests, never share counts). Other modules count through these objects:
 * `metrics.webhookEvents.inc({ provider: 'okepay', outcome: 'accepted' })`, and so on.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Requests by route pattern (never the raw path), method and status. */
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpRequestDuration: Histogram<'route' | 'method'>;
  /** Outgoing provider calls by provider and outcome (`ok`, `error`, `timeout`). */
  readonly providerCalls: Counter<'provider' | 'outcome'>;
  readonly providerCallDuration: Histogram<'provider' | 'outcome'>;
  /** Requests refused by a rate limit (answered 429), by route pattern. */
  readonly rateLimitRefusals: Counter<'route'>;
  /** Webhook events received, by provider and outcome (`accepted`, `duplicate`, `rejected`, …). */
  readonly webhookEvents: Counter<'provider' | 'outcome'>;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop, GC); once per process. */
  process?: boolean;
}

/** Request latencies: a backend answer takes ~1 ms, a provider call up to the timeout. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics({ process = false }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (process) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'handoff_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'handoff_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    providerCalls: new Counter({
      name: 'handoff_provider_calls_total',
      help: 'Calls to payment providers, by provider and outcome (ok, error, timeout).',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    providerCallDuration: new Histogram({
      name: 'handoff_provider_call_duration_seconds',
      help: 'Duration of calls to payment providers, by provider and outcome.',
      labelNames: ['provider', 'outcome'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: 'handoff_rate_limit_refusals_total',
      help: 'Requests refused by a rate limit (answered 429), by route pattern.',
      labelNames: ['route'],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'handoff_webhook_events_total',
      help: 'Webhook events received, by provider and outcome.',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
  };
}
