import { afterEach, describe, expect, it } from 'vitest';
import {
  createHandoffClient,
  HandoffApiError,
  HandoffNetworkError,
  HandoffTimeoutError,
  type HandoffClientOptions,
} from '@handoff/node';
import { openStore, type SqlStore } from '@handoff/server';
import { seedApiUser, testApp, type SeededUser } from '../server/src/auth/test-identity.ts';

/**
 * @handoff/node against the real backend app (SQLite in memory), with faults injected between
 * them: lost connections, lost answers, 5xx, 429, revoked sessions, a backend that never answers.
 */

type Fault = (request: Request, forward: () => Promise<Response>) => Promise<Response>;

interface Rig {
  store: SqlStore;
  user: SeededUser;
  /** Every request the client sent, in order. */
  sent: Request[];
  /** Faults for the next requests, used once each in order; then requests pass through. */
  faults: Fault[];
  options: HandoffClientOptions;
}

const stores: SqlStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function rig(overrides: Partial<HandoffClientOptions> = {}): Promise<Rig> {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  stores.push(store);
  const app = testApp(store);
  const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
  const sent: Request[] = [];
  const faults: Fault[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    sent.push(request.clone());
    const forward = async () => app.fetch(request);
    const fault = faults.shift();
    return fault ? fault(request, forward) : forward();
  };
  const options = {
    url: 'http://handoff.test',
    apiKey: user.keyId,
    apiSecret: user.secret,
    fetch,
    ...overrides,
  };
  return { store, user, sent, faults, options };
}

const customer = { id: 'cust-1', email: 'jane@example.com', okepayContactId: 4711 };
const paths = (sent: Request[]) => sent.map((r) => new URL(r.url).pathname);
const sessionCount = async (store: SqlStore) =>
  (await store.db.selectFrom('customer_sessions').select('id').execute()).length;

const networkDown: Fault = () => Promise.reject(new TypeError('fetch failed'));
/** The backend did the work, but the answer was lost on the way back. */
const answerLost: Fault = async (_request, forward) => {
  await forward();
  throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
};
const status =
  (code: number, headers: Record<string, string> = {}): Fault =>
  () =>
    Promise.resolve(
      Response.json(
        { error: { code: code === 429 ? 'rate_limited' : 'internal', message: 'try again' } },
        {
          status: code,
          headers,
        },
      ),
    );

describe('@handoff/node', () => {
  it('logs in once and creates customer sessions the page can use', async () => {
    const { store, sent, options } = await rig();
    const handoff = createHandoffClient(options);
    const session = await handoff.customerSessions.create(customer, { ttlSeconds: 300 });
    expect(session.token).toMatch(/^hc_/);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(await store.customerSessions.resolve(session.token)).toMatchObject({ id: 'cust-1' });

    await handoff.customerSessions.create({ id: 'cust-2' });
    expect(paths(sent)).toEqual(['/auth/login', '/v1/customer-sessions', '/v1/customer-sessions']);
    // Each call has its own idempotency key unless the caller gives one.
    const keys = sent.slice(1).map((r) => r.headers.get('idempotency-key'));
    expect(new Set(keys).size).toBe(2);
  });

  it('logs in only once for concurrent first calls', async () => {
    const { sent, options } = await rig();
    const handoff = createHandoffClient(options);
    await Promise.all(Array.from({ length: 5 }, (_, i) => handoff.customerSessions.create({ id: `c${i}` })));
    expect(paths(sent).filter((p) => p === '/auth/login')).toHaveLength(1);
  });

  it('retries a lost answer with the same idempotency key: one session, the same token', async () => {
    const { store, sent, faults, options } = await rig();
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create({ id: 'warm-up' });
    faults.push(answerLost, networkDown);
    const session = await handoff.customerSessions.create(customer, { idempotencyKey: 'signin-42' });
    const creates = sent.filter((r) => new URL(r.url).pathname === '/v1/customer-sessions').slice(1);
    expect(creates.map((r) => r.headers.get('idempotency-key'))).toEqual([
      'signin-42',
      'signin-42',
      'signin-42',
    ]);
    expect(await sessionCount(store)).toBe(2);
    expect(await store.customerSessions.resolve(session.token)).toMatchObject({ id: 'cust-1' });
  });

  it('retries 5xx and 429 (after Retry-After), never 4xx', async () => {
    const { faults, sent, options } = await rig();
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create({ id: 'warm-up' });
    faults.push(status(503), status(429, { 'retry-after': '0' }));
    await expect(handoff.customerSessions.create(customer)).resolves.toMatchObject({
      token: expect.any(String),
    });
    expect(paths(sent).slice(2)).toEqual([
      '/v1/customer-sessions',
      '/v1/customer-sessions',
      '/v1/customer-sessions',
    ]);

    sent.length = 0;
    const refused = handoff.customerSessions.create({ id: '' });
    await expect(refused).rejects.toBeInstanceOf(HandoffApiError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    expect(sent).toHaveLength(1);
  });

  it('gives up after its retries with the last error', async () => {
    const { faults, options } = await rig({ retries: 1 });
    const handoff = createHandoffClient(options);
    faults.push(networkDown, networkDown);
    await expect(handoff.customerSessions.create(customer)).rejects.toBeInstanceOf(HandoffNetworkError);
    faults.push(status(502), status(502));
    await expect(handoff.customerSessions.create(customer)).rejects.toMatchObject({ status: 502 });
  });

  it('the same key with another body is refused with the stable code', async () => {
    const { options } = await rig();
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create(customer, { idempotencyKey: 'k' });
    await expect(
      handoff.customerSessions.create({ ...customer, id: 'someone-else' }, { idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ name: 'HandoffApiError', status: 422, code: 'idempotency_key_reused' });
  });

  it('logs in again once on a 401, when its session was revoked', async () => {
    const { store, sent, options } = await rig();
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create(customer);
    const sessionToken = sent[1]!.headers.get('authorization')!.slice('Bearer '.length);
    expect(await store.sessions.revoke(sessionToken)).toBe(true);

    await handoff.customerSessions.create(customer);
    expect(paths(sent)).toEqual([
      '/auth/login',
      '/v1/customer-sessions',
      '/v1/customer-sessions',
      '/auth/login',
      '/v1/customer-sessions',
    ]);
  });

  it('renews its session before it expires', async () => {
    const { sent, options } = await rig({ renewAfterMs: 1 });
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create(customer);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await handoff.customerSessions.create(customer);
    expect(paths(sent).filter((p) => p === '/auth/login')).toHaveLength(2);
  });

  it('refuses wrong credentials with the backend code, without retrying', async () => {
    const { sent, options } = await rig();
    const handoff = createHandoffClient({ ...options, apiSecret: 'wrong' });
    await expect(handoff.customerSessions.create(customer)).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    expect(paths(sent)).toEqual(['/auth/login']);
  });

  it('revokes a customer token', async () => {
    const { store, options } = await rig();
    const handoff = createHandoffClient(options);
    const { token } = await handoff.customerSessions.create(customer);
    await expect(handoff.customerSessions.revoke(token)).resolves.toEqual({ revoked: true });
    expect(await store.customerSessions.resolve(token)).toBeNull();
    await expect(handoff.customerSessions.revoke(token)).resolves.toEqual({ revoked: false });
  });

  it('ends a call at its deadline with HandoffTimeoutError', async () => {
    const { faults, options } = await rig({ timeoutMs: 50 });
    const handoff = createHandoffClient(options);
    await handoff.customerSessions.create(customer);
    const hang: Fault = (request) =>
      new Promise((_resolve, reject) =>
        request.signal.addEventListener('abort', () => reject(request.signal.reason)),
      );
    faults.push(hang);
    await expect(handoff.customerSessions.create(customer)).rejects.toBeInstanceOf(HandoffTimeoutError);
  });

  it("stops when the caller's signal aborts", async () => {
    const { options } = await rig();
    const handoff = createHandoffClient(options);
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(handoff.customerSessions.create(customer, { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
  });

  it('validates its options', () => {
    expect(() => createHandoffClient({ url: 'pay.example.com', apiKey: 'k', apiSecret: 's' })).toThrow(
      /absolute URL/,
    );
    expect(() => createHandoffClient({ url: 'https://pay.example.com', apiKey: '', apiSecret: 's' })).toThrow(
      /apiKey and apiSecret/,
    );
    expect(() =>
      createHandoffClient({ url: 'https://pay.example.com', apiKey: 'k', apiSecret: 's', timeoutMs: 0 }),
    ).toThrow(/timeoutMs/);
  });
});
