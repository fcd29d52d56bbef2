import { describe, expect, it } from 'vitest';
import { configWithProviders, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { createHandoff } from '../app.ts';
import { createLogger } from '../logger.ts';
import { openStore } from '../store/index.ts';
import { createMetrics } from './metrics.ts';

const TOKEN = 'metrics-token-0123456789';

async function appWith(env: Record<string, string>, lines: string[] = []) {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const metrics = createMetrics();
  const app = createHandoff({
    config: { ...configWithProviders(), ...loadConfig({ ...env, HANDOFF_LOG_LEVEL: 'info' }) },
    store,
    metrics,
    logger: createLogger({ write: (line) => lines.push(line) }),
    fetch: () => Promise.resolve(Response.json({ status: 'error', message: 'no' }, { status: 500 })),
  });
  return { app, metrics, store };
}

describe('GET /metrics', () => {
  it('is absent without a token, and refuses a wrong one', async () => {
    const plain = await appWith({});
    expect((await plain.app.request('/metrics')).status).toBe(404);
    const guarded = await appWith({ HANDOFF_METRICS_TOKEN: TOKEN });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN]) {
      const res = await guarded.app.request('/metrics', authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    await plain.store.close();
    await guarded.store.close();
  });

  it('counts requests by route pattern and status, rate-limit refusals and provider calls by outcome', async () => {
    const { app, store } = await appWith({ HANDOFF_METRICS_TOKEN: TOKEN });
    await app.request('/healthz');
    await app.request('/no/such/path?secret=1');
    for (let i = 0; i < 6; i++) {
      await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: 'hk_0000000000000000', apiSecret: 'wrong' }),
      });
    }
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('handoff_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(text).toContain('handoff_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('handoff_http_requests_total{route="/auth/login",method="POST",status="401"} 5');
    expect(text).toContain('handoff_http_requests_total{route="/auth/login",method="POST",status="429"} 1');
    expect(text).toContain('handoff_rate_limit_refusals_total{route="/auth/login"} 1');
    expect(text).toContain(
      'handoff_http_request_duration_seconds_bucket{le="0.001",route="/healthz",method="GET"}',
    );
    expect(text).not.toContain('secret=1');
    await store.close();
  });

  it('counts provider calls by provider and outcome, with their duration', async () => {
    const { metrics } = await appWith({});
    const { providerRequest } = await import('../providers/http.ts');
    const fetchAnswering = (status: number) => () => Promise.resolve(new Response('{}', { status }));
    const init = { method: 'POST', headers: {}, body: '' };
    await providerRequest(
      { provider: 'OkePay', fetch: fetchAnswering(200), timeoutMs: 1000, metrics },
      'http://x/',
      init,
    );
    await providerRequest(
      { provider: 'OkePay', fetch: fetchAnswering(500), timeoutMs: 1000, metrics },
      'http://x/',
      init,
    );
    const unreachable = () => Promise.reject(new TypeError('fetch failed'));
    await expect(
      providerRequest(
        { provider: 'Paybis', fetch: unreachable, timeoutMs: 1000, metrics },
        'http://x/',
        init,
      ),
    ).rejects.toThrow();
    const text = await metrics.registry.metrics();
    expect(text).toContain('handoff_provider_calls_total{provider="OkePay",outcome="ok"} 1');
    expect(text).toContain('handoff_provider_calls_total{provider="OkePay",outcome="error"} 1');
    expect(text).toContain('handoff_provider_calls_total{provider="Paybis",outcome="error"} 1');
    expect(text).toContain('handoff_provider_call_duration_seconds_count{provider="OkePay",outcome="ok"} 1');
  });

  it('keeps the process metrics of a server out of an app registry', () => {
    expect(createMetrics().registry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
    expect(
      createMetrics({ process: true }).registry.getSingleMetric('process_cpu_user_seconds_total'),
    ).toBeDefined();
  });
});

describe('request log', () => {
  it('writes one line per request with id, route, status, duration and account; never the URL or a token', async () => {
    const lines: string[] = [];
    const { app, store } = await appWith({}, lines);
    const res = await app.request('/v1/me?token=hc_should_not_appear', {
      headers: { authorization: 'Bearer hc_should_not_appear', 'x-request-id': 'req-123.abc' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('req-123.abc');
    const requestLines = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: 'info',
      requestId: 'req-123.abc',
      method: 'GET',
      route: '/v1/me',
      status: 401,
    });
    expect(typeof requestLines[0]!.durationMs).toBe('number');
    expect(lines.join('\n')).not.toContain('hc_should_not_appear');

    // An unsafe id is replaced, not echoed.
    for (const id of ['a b {"x":1}', 'x'.repeat(65)]) {
      const unsafe = await app.request('/healthz', { headers: { 'x-request-id': id } });
      expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    await store.close();
  });

  it('names the account of a customer request', async () => {
    const lines: string[] = [];
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const app = createHandoff({
      config: loadConfig({}),
      store,
      logger: createLogger({ write: (line) => lines.push(line) }),
      identify: () => ({ id: 'customer-1', email: 'c@example.com', accountId: 'default' }),
    });
    expect((await app.request('/v1/me')).status).toBe(200);
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request');
    expect(line).toMatchObject({ route: '/v1/me', status: 200, accountId: 'default' });
    await store.close();
  });
});

it('testApp still answers without metrics settings', async () => {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  expect((await testApp(store).request('/healthz')).headers.get('x-request-id')).toBeTruthy();
  await store.close();
});
