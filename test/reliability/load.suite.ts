import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startServer, type RunningServer } from '@handoff/server/node';
import { openStore, type SqlStore } from '../../server/src/store/index.ts';
import {
  Capture,
  customerTokensVia,
  isErrorBody,
  loginVia,
  makeWorld,
  report,
  sandboxConfig,
  seedIntegration,
  startRecordingSandbox,
  tryJson,
  whoseLink,
  type RecordingSandbox,
} from './support.ts';

/**
 * Part 3, load with faults: a bounded run over loopback (a fixed number of requests, each with a
 * client deadline) with about 20% of provider calls failing in the four ways the sandbox can
 * (errors, malformed bodies, resets, answers slower than the timeout). No crash, no response
 * carrying another customer's link or token, every answer within the provider timeout (per
 * provider call the route makes), and memory back near where it started.
 */

const CUSTOMERS = 16;
const REQUESTS = Number(process.env.HANDOFF_LOAD_REQUESTS ?? 1200);
const WARMUP = 150;
const CONCURRENCY = 16;
const TIMEOUT_MS = 1000;
/** Provider calls a route can make in sequence: 2Checkout may log in, and re-log in once. */
const CALLS: Record<Provider, number> = { okepay: 1, '2checkout': 3, paybis: 1 };
/** Slack for loopback, the event loop and signing on a shared two-core machine. */
const SLACK_MS = 2500;
const FAULTS = { errorRate: 0.06, errorStatus: 503, malformedRate: 0.05, resetRate: 0.05 };
/** Held far longer than any bound below, so a timeout that did not fire would show. */
const SLOW = { slowRate: 0.05, slowMs: TIMEOUT_MS * 8 };

type Provider = 'okepay' | '2checkout' | 'paybis';
const PROVIDERS: Provider[] = ['okepay', '2checkout', 'paybis'];

const capture = new Capture('load', inject('captureDir'));
const world = makeWorld(CUSTOMERS);
let sandbox: RecordingSandbox;
let backend: RunningServer;
let store: SqlStore;
let dir: string;
let tokens: string[];
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  dir = mkdtempSync(join(tmpdir(), 'handoff-load-'));
  sandbox = await startRecordingSandbox({ okepay: world.okepay, twocheckout: world.twocheckout, ...SLOW });
  store = await openStore({ kind: 'sqlite', path: join(dir, 'handoff.db') });
  const config = sandboxConfig(sandbox.sandbox, { HANDOFF_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS) });
  config.port = 0;
  config.host = '127.0.0.1';
  backend = await startServer(config, { store, logger: capture.logger() });
  const integration = await seedIntegration(store);
  const session = await loginVia(fetch, backend.url, integration);
  tokens = await customerTokensVia(fetch, backend.url, session, world.customers);
  capture.token(session);
  capture.token(integration.apiSecret);
  for (const t of tokens) capture.token(t);
});

afterAll(async () => {
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  capture.flush();
  await backend?.close();
  await store?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  provider: Provider;
  customer: number;
  status: number;
  ms: number;
  problem?: string;
}

const BODIES: Record<Provider, (i: number) => [string, unknown]> = {
  okepay: () => ['/v1/okepay/login-link', {}],
  '2checkout': (i) => ['/v1/2checkout/sso', { subscriptionReference: `SUB-${i}`, validityTime: 120 }],
  paybis: () => ['/v1/paybis/session', { flow: 'buyCrypto', currencyCodeTo: 'BTC' }],
};

/** One request as a customer; checks that a link opens that customer's own account. */
async function one(provider: Provider, customer: number): Promise<Outcome> {
  const [path, body] = BODIES[provider](customer);
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${backend.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[customer]!}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS * CALLS[provider] + SLACK_MS * 4),
    });
  } catch (err) {
    return {
      provider,
      customer,
      status: 0,
      ms: performance.now() - started,
      problem: `no answer: ${String(err)}`,
    };
  }
  const text = await res.text();
  const ms = performance.now() - started;
  capture.record(res.status, path, Object.fromEntries(res.headers), text);
  const outcome: Outcome = { provider, customer, status: res.status, ms };
  const json = tryJson(text);
  if (res.status === 502 || res.status === 504) {
    if (!isErrorBody(json)) outcome.problem = `error without the error body: ${text.slice(0, 200)}`;
    return outcome;
  }
  if (res.status !== 200) {
    outcome.problem = `unexpected ${res.status}: ${text.slice(0, 200)}`;
    return outcome;
  }
  const own = world.customers[customer]!;
  if (provider === 'paybis') {
    const { requestId, oneTimeToken } = json as { requestId: string; oneTimeToken?: string };
    capture.token(oneTimeToken);
    const key = sandbox.paybisRequests.get(requestId);
    if (!key) outcome.problem = 'Paybis request unknown to the sandbox';
    else {
      capture.token(key);
      paybisKeys.push({ customer, key });
    }
    return outcome;
  }
  const { url } = json as { url: string };
  capture.token(url);
  const opened = await whoseLink((r) => fetch(r), url);
  if (provider === 'okepay' && opened.okepayContactId !== own.okepayContactId) {
    outcome.problem = `OkePay link opened contact ${String(opened.okepayContactId)} (status ${opened.status})`;
  }
  if (provider === '2checkout' && opened.twocheckoutSubscription !== own.twocheckoutSubscriptions![0]) {
    outcome.problem = `2Checkout link opened ${String(opened.twocheckoutSubscription)} (status ${opened.status})`;
  }
  return outcome;
}

const paybisKeys: { customer: number; key: string }[] = [];

/** Runs `count` requests, `CONCURRENCY` at a time, spread over customers and providers. */
async function run(count: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      outcomes.push(await one(PROVIDERS[n % 3]!, (n * 7 + Math.floor(n / 3)) % CUSTOMERS));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

describe('load with 20% provider faults', () => {
  it('no crash, no crossed identities, answers within the timeout, memory returns', async () => {
    await run(WARMUP); // JIT, connection pools, 2Checkout session, Paybis auth keys
    const heapBefore = settledHeap();

    sandbox.sandbox.setFaults(FAULTS);
    const outcomes = await run(REQUESTS);
    sandbox.sandbox.setFaults({});

    const heapAfter = settledHeap();
    const problems = outcomes
      .filter((o) => o.problem)
      .map((o) => `${o.provider} #${o.customer}: ${o.problem}`);
    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const slowest: Record<Provider, number> = { okepay: 0, '2checkout': 0, paybis: 0 };
    for (const o of outcomes) slowest[o.provider] = Math.max(slowest[o.provider], o.ms);
    const overBound = outcomes.filter((o) => o.ms > TIMEOUT_MS * CALLS[o.provider] + SLACK_MS);

    // Paybis: every session a caller got used that customer's one stored auth key.
    const crossed: string[] = [];
    for (const { customer, key } of paybisKeys) {
      const stored = await store.paybisAuthKeys.getOrCreate('default', world.customers[customer]!.id);
      if (stored.created || stored.authKey !== key) crossed.push(`customer ${customer} used key ${key}`);
    }

    const healthy = await fetch(`${backend.url}/healthz`);
    report('load', {
      requests: outcomes.length,
      ...Object.fromEntries(Object.entries(byStatus).map(([s, n]) => [`status${s}`, n])),
      failures: problems.length + crossed.length + overBound.length + crashes.length,
      maxMsOkePay: Math.round(slowest.okepay),
      maxMs2Checkout: Math.round(slowest['2checkout']),
      maxMsPaybis: Math.round(slowest.paybis),
      heapBeforeMB: (heapBefore / 2 ** 20).toFixed(1),
      heapAfterMB: (heapAfter / 2 ** 20).toFixed(1),
    });

    expect(outcomes).toHaveLength(REQUESTS);
    expect(problems).toEqual([]);
    expect(crossed).toEqual([]);
    expect(crashes).toEqual([]);
    expect(healthy.status).toBe(200);
    expect(overBound.map((o) => `${o.provider} ${Math.round(o.ms)} ms`)).toEqual([]);
    // The faults did happen, and most requests still succeeded.
    expect(byStatus['502'] ?? 0).toBeGreaterThan(REQUESTS * 0.05);
    expect(byStatus['504'] ?? 0).toBeGreaterThan(0);
    expect(byStatus['200'] ?? 0).toBeGreaterThan(REQUESTS * 0.6);
    // Nothing kept per request: the heap settles back near its size before the run.
    expect(heapAfter).toBeLessThan(heapBefore * 1.25 + 16 * 2 ** 20);
  });
});
