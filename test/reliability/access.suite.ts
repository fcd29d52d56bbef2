import { afterAll, describe, expect, it, inject } from 'vitest';
import type { MeResponse } from '@handoff/core';
import { LOGIN_FAILURE_LIMITS } from '../../server/src/routes/auth.ts';
import {
  Capture,
  customerTokensVia,
  inProcess,
  isErrorBody,
  loginVia,
  makeWorld,
  report,
  seedIntegration,
  tryJson,
  whoseLink,
  type InProcess,
} from './support.ts';

/**
 * Part 6, access control: every customer token against every other customer's OkePay contact,
 * 2Checkout subscription and Paybis auth key; expired and revoked tokens on every route; missing
 * permissions; brute-force login. Every attempt must be refused (or, where the browser cannot
 * name the target at all, must open only the caller's own account).
 */

const capture = new Capture('access', inject('captureDir'));
const figures = { attempts: 0, refused: 0, failures: 0 };
const opened: InProcess[] = [];

afterAll(async () => {
  capture.flush();
  for (const w of opened) await w.close();
  report('access control', figures);
});

async function world(count: number, now?: () => Date, env: Record<string, string> = {}) {
  const w = await inProcess({
    world: makeWorld(count),
    logger: capture.logger(),
    env,
    // The sandbox keeps the same time, so 2Checkout accepts the backend's login date.
    ...(now ? { now, sandbox: { now: () => now().getTime() } } : {}),
  });
  opened.push(w);
  return w;
}

async function send(
  w: InProcess,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await capture.response(
    await w.app.request(path, {
      method,
      headers: {
        ...headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
    path,
  );
  const json = tryJson(await res.text());
  const b = json as { url?: string; token?: string; oneTimeToken?: string } | undefined;
  capture.token(b?.url);
  capture.token(b?.token);
  capture.token(b?.oneTimeToken);
  return { status: res.status, json };
}

/** An attempt that must be refused with `status` and the error body. */
function refused(result: { status: number; json: unknown }, status: number, what: string): void {
  figures.attempts++;
  if (result.status === status && isErrorBody(result.json)) figures.refused++;
  else figures.failures++;
  expect(result.status, `${what}: ${JSON.stringify(result.json)}`).toBe(status);
  expect(isErrorBody(result.json), what).toBe(true);
}

describe('the cross-customer matrix', () => {
  it('no customer token reaches another customer’s contact, subscription or auth key', async () => {
    const N = 6;
    const w = await world(N);
    const { customers } = makeWorld(N);
    const integration = await seedIntegration(w.store);
    const session = await loginVia(w.request, '', integration);
    const tokens = await customerTokensVia(w.request, '', session, customers);
    for (const t of tokens) capture.token(t);

    // Every customer's own Paybis key, created by their own first session.
    const keys: string[] = [];
    for (let i = 0; i < N; i++) {
      const own = await send(w, 'POST', '/v1/paybis/session', tokens[i], {});
      expect(own.status).toBe(200);
      keys.push(w.paybisRequests.get((own.json as { requestId: string }).requestId)!);
      capture.token(keys[i]);
    }
    expect(new Set(keys).size).toBe(N);

    for (let i = 0; i < N; i++) {
      const me = (await send(w, 'GET', '/v1/me', tokens[i])).json as MeResponse;
      expect(me.customer.id).toBe(customers[i]!.id);
      expect(me.providers['2checkout']?.subscriptionReferences).toEqual(
        customers[i]!.twocheckoutSubscriptions,
      );

      for (let j = 0; j < N; j++) {
        if (i === j) continue;
        const other = customers[j]!;
        const what = `customer ${i} → customer ${j}`;
        const before = { ...w.outbound };

        // OkePay: the contact comes from the session; naming another is refused outright.
        for (const body of [
          { contactId: other.okepayContactId },
          { okepayContactId: other.okepayContactId },
        ]) {
          refused(
            await send(w, 'POST', '/v1/okepay/login-link', tokens[i], body),
            400,
            `${what} okepay body`,
          );
        }
        refused(
          await send(w, 'POST', `/v1/okepay/login-link?contactId=${other.okepayContactId!}`, tokens[i], {
            userId: 1,
          }),
          400,
          `${what} okepay query`,
        );
        // 2Checkout: another customer's subscription, on every page.
        for (const accessPage of [undefined, 'my_products', 'change_card', 'payment_methods']) {
          refused(
            await send(w, 'POST', '/v1/2checkout/sso', tokens[i], {
              subscriptionReference: other.twocheckoutSubscriptions![0],
              ...(accessPage ? { accessPage } : {}),
            }),
            403,
            `${what} 2checkout ${accessPage ?? 'home'}`,
          );
        }
        // Paybis: the auth key is never the browser's to name.
        for (const body of [{ partnerUserId: keys[j] }, { authKey: keys[j] }, { email: other.email }]) {
          refused(await send(w, 'POST', '/v1/paybis/session', tokens[i], body), 400, `${what} paybis`);
        }
        // Refused before any provider was asked.
        expect(w.outbound, what).toEqual(before);
      }

      // What the customer can open is theirs alone.
      const link = await send(w, 'POST', '/v1/okepay/login-link', tokens[i], {});
      expect(
        (await whoseLink((r) => w.sandbox.fetch(r), (link.json as { url: string }).url)).okepayContactId,
      ).toBe(customers[i]!.okepayContactId);
      const sso = await send(w, 'POST', '/v1/2checkout/sso', tokens[i], {
        subscriptionReference: customers[i]!.twocheckoutSubscriptions![0],
      });
      expect(
        (await whoseLink((r) => w.sandbox.fetch(r), (sso.json as { url: string }).url))
          .twocheckoutSubscription,
      ).toBe(customers[i]!.twocheckoutSubscriptions![0]);
      const paybis = await send(w, 'POST', '/v1/paybis/session', tokens[i], {});
      expect(w.paybisRequests.get((paybis.json as { requestId: string }).requestId)).toBe(keys[i]);
    }
  });
});

const CUSTOMER_ROUTES: [string, string, unknown][] = [
  ['GET', '/v1/me', undefined],
  ['POST', '/v1/okepay/login-link', {}],
  ['POST', '/v1/2checkout/sso', { subscriptionReference: 'SUB-0' }],
  ['POST', '/v1/paybis/session', {}],
];

describe('dead tokens', () => {
  it('expired and revoked customer tokens and API sessions are refused by every route', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const w = await world(2, () => clock);
    const { customers } = makeWorld(2);
    const integration = await seedIntegration(w.store, 'admin@example.com', ['admin']);
    const session = await loginVia(w.request, '', integration);
    const [expiring] = await customerTokensVia(w.request, '', session, [customers[0]!], 60);
    const [revokedByApi] = await customerTokensVia(w.request, '', session, [customers[1]!]);
    const [revokedByStore] = await customerTokensVia(w.request, '', session, [customers[1]!]);
    const shortSession = await loginVia(w.request, '', integration);
    const loggedOut = await loginVia(w.request, '', integration);
    for (const t of [session, expiring, revokedByApi, revokedByStore, shortSession, loggedOut])
      capture.token(t);

    for (const [method, path, body] of CUSTOMER_ROUTES) {
      expect((await send(w, method, path, expiring, body)).status, `${path} while live`).toBe(200);
    }
    expect(
      (await send(w, 'POST', '/v1/customer-sessions/revoke', session, { token: revokedByApi })).json,
    ).toEqual({
      revoked: true,
    });
    await w.store.customerSessions.revoke(revokedByStore!);
    expect((await send(w, 'POST', '/auth/logout', loggedOut)).status).toBeLessThan(300);

    clock = new Date(clock.getTime() + 61_000);
    for (const [method, path, body] of CUSTOMER_ROUTES) {
      for (const [name, token] of [
        ['expired', expiring],
        ['revoked through the API', revokedByApi],
        ['revoked in the store', revokedByStore],
      ] as const) {
        refused(await send(w, method, path, token, body), 401, `${name} customer token on ${path}`);
      }
    }
    // API sessions: logged out, and expired after their lifetime.
    const sessionRoutes: [string, string, unknown][] = [
      ['POST', '/v1/customer-sessions', { customer: { id: 'x' } }],
      ['POST', '/v1/customer-sessions/revoke', { token: 'hc_x' }],
      ['GET', '/v1/audit', undefined],
      ['POST', '/auth/logout', undefined],
    ];
    for (const [method, path, body] of sessionRoutes) {
      refused(await send(w, method, path, loggedOut, body), 401, `logged-out session on ${path}`);
    }
    clock = new Date(clock.getTime() + w.config.sessionTtlSeconds * 1000);
    for (const [method, path, body] of sessionRoutes) {
      refused(await send(w, method, path, shortSession, body), 401, `expired session on ${path}`);
    }
  });
});

describe('missing permissions', () => {
  it('roles without the permission, other accounts and customers without a provider are refused', async () => {
    const w = await world(2);
    const { customers } = makeWorld(2);
    const auditor = await loginVia(
      w.request,
      '',
      await seedIntegration(w.store, 'auditor@example.com', ['auditor']),
    );
    const integration = await loginVia(
      w.request,
      '',
      await seedIntegration(w.store, 'int@example.com', ['integration']),
    );
    await w.store.accounts.create({ id: 'other', name: 'Other merchant' });
    const otherUser = await w.store.users.create({ email: 'other@example.com', createdBy: 'test' });
    await w.store.users.addMembership(otherUser.id, 'other', ['admin']);
    const otherKey = await w.store.apiKeys.create(otherUser.id);
    const otherAdmin = await loginVia(w.request, '', { apiKey: otherKey.keyId, apiSecret: otherKey.secret });
    for (const t of [auditor, integration, otherAdmin, otherKey.secret]) capture.token(t);

    refused(
      await send(w, 'POST', '/v1/customer-sessions', auditor, { customer: customers[0] }),
      403,
      'auditor creates',
    );
    refused(
      await send(w, 'POST', '/v1/customer-sessions/revoke', auditor, { token: 'hc_x' }),
      403,
      'auditor revokes',
    );
    refused(await send(w, 'GET', '/v1/audit', integration), 403, 'integration reads audit');
    refused(
      await send(w, 'POST', '/v1/customer-sessions', integration, {
        customer: customers[0],
        accountId: 'other',
      }),
      403,
      'integration binds to another account',
    );
    refused(
      await send(w, 'POST', '/v1/customer-sessions', otherAdmin, {
        customer: customers[0],
        accountId: 'default',
      }),
      403,
      'other account binds to default',
    );

    // Another account's admin cannot revoke this account's customer token: it stays live.
    const [token] = await customerTokensVia(w.request, '', integration, [customers[0]!]);
    capture.token(token);
    expect((await send(w, 'POST', '/v1/customer-sessions/revoke', otherAdmin, { token })).json).toEqual({
      revoked: false,
    });
    expect((await send(w, 'GET', '/v1/me', token)).status).toBe(200);

    // Customers bound without a provider cannot open it.
    const [bare] = await customerTokensVia(w.request, '', integration, [
      { id: 'bare', email: 'bare@example.com' },
    ]);
    capture.token(bare);
    refused(await send(w, 'POST', '/v1/okepay/login-link', bare, {}), 403, 'no OkePay contact');
    refused(
      await send(w, 'POST', '/v1/2checkout/sso', bare, { subscriptionReference: 'SUB-0' }),
      403,
      'no subscriptions',
    );
    refused(await send(w, 'POST', '/v1/paybis/session', bare, {}), 403, 'no Paybis');
    expect(w.outbound).toEqual({ okepay: 0, twocheckout: 0, paybis: 0 });
  });
});

describe('connections and webhook tokens across accounts', () => {
  it("no admin reads, sets, rotates or removes another account's, nor learns whether it exists", async () => {
    const w = await world(1);
    await w.store.accounts.create({ id: 'other', name: 'Other merchant' });
    const otherUser = await w.store.users.create({ email: 'other@example.com', createdBy: 'test' });
    await w.store.users.addMembership(otherUser.id, 'other', ['admin']);
    const otherKey = await w.store.apiKeys.create(otherUser.id);
    const otherAdmin = await loginVia(w.request, '', { apiKey: otherKey.keyId, apiSecret: otherKey.secret });
    const integration = await loginVia(
      w.request,
      '',
      await seedIntegration(w.store, 'int@example.com', ['integration']),
    );
    for (const t of [otherAdmin, otherKey.secret, integration]) capture.token(t);
    const before = await w.store.db.selectFrom('provider_connections').selectAll().execute();
    const routes = (account: string): Array<[string, string, unknown]> => [
      ['GET', `/v1/accounts/${account}/connections`, undefined],
      ['GET', `/v1/accounts/${account}/connections/okepay`, undefined],
      ['PUT', `/v1/accounts/${account}/connections/okepay`, { instance: 'x', secret: 'stolen-secret' }],
      ['DELETE', `/v1/accounts/${account}/connections/okepay`, undefined],
      ['POST', `/v1/accounts/${account}/connections/okepay/webhook-token`, {}],
      ['POST', `/v1/accounts/${account}/connections/2checkout/webhook-token`, undefined],
      ['GET', `/v1/accounts/${account}/webhooks`, undefined],
    ];
    for (const [index, [method, path, body]] of routes('default').entries()) {
      const existing = await send(w, method, path, otherAdmin, body);
      refused(existing, 403, `other admin ${method} ${path}`);
      const [, ghostPath] = routes('ghost')[index]!;
      const ghost = await send(w, method, ghostPath, otherAdmin, body);
      refused(ghost, 403, `other admin ${method} ${ghostPath}`);
      // The same answer for an account that exists and one that does not, but for its name.
      expect(JSON.stringify(ghost.json).replaceAll('ghost', 'default')).toBe(JSON.stringify(existing.json));
      refused(await send(w, method, path, integration, body), 403, `integration ${method} ${path}`);
    }
    expect(await w.store.db.selectFrom('provider_connections').selectAll().execute()).toEqual(before);
    expect(await w.store.webhookEndpoints.list('default')).toEqual([]);
  });
});

describe('brute-force login', () => {
  it('after the allowed failures a key is locked, even for the right secret', async () => {
    const w = await world(1);
    const target = await seedIntegration(w.store, 'target@example.com');
    capture.token(target.apiSecret);
    const attempt = (apiKey: string, apiSecret: string) =>
      send(w, 'POST', '/auth/login', undefined, { apiKey, apiSecret });

    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      refused(await attempt(target.apiKey, `wrong-${i}`), 401, `guess ${i}`);
    }
    for (let i = 0; i < 20; i++) {
      refused(
        await attempt(target.apiKey, i === 0 ? target.apiSecret : `wrong-more-${i}`),
        429,
        `locked guess ${i}`,
      );
    }
  });

  it('after the allowed failures from one address, every key is locked for that address only', async () => {
    const w = await world(1, undefined, { HANDOFF_TRUST_PROXY: 'true' });
    const users = await Promise.all(
      Array.from({ length: 5 }, (_, i) => seedIntegration(w.store, `user-${i}@example.com`)),
    );
    for (const u of users) capture.token(u.apiSecret);
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    // Spread over several keys so the per-key limit never triggers first.
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perIp; i++) {
      const u = users[i % users.length]!;
      refused(
        await send(
          w,
          'POST',
          '/auth/login',
          undefined,
          { apiKey: u.apiKey, apiSecret: `guess-${i}` },
          from('203.0.113.7'),
        ),
        401,
        `guess ${i}`,
      );
    }
    for (const u of users) {
      refused(
        await send(
          w,
          'POST',
          '/auth/login',
          undefined,
          { apiKey: u.apiKey, apiSecret: u.apiSecret },
          from('203.0.113.7'),
        ),
        429,
        'right secret from a locked address',
      );
    }
    // The same keys still work from elsewhere: the lock is on the guessing address.
    const elsewhere = await send(
      w,
      'POST',
      '/auth/login',
      undefined,
      { apiKey: users[0]!.apiKey, apiSecret: users[0]!.apiSecret },
      from('198.51.100.1'),
    );
    capture.token((elsewhere.json as { token?: string }).token);
    expect(elsewhere.status).toBe(200);
  });
});
