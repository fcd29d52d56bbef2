import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, OKEPAY_DEMO, type Sandbox } from '@handoff/sandbox';
import type { CustomerIdentity, ErrorBody, LinkResponse } from '@handoff/core';
import { createHandoff } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { IdentifyCustomer } from '../../context.ts';
import { createLogger, silentLogger, type Logger } from '../../logger.ts';
import { openStore, type SqlStore } from '../../store/index.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const ADA: CustomerIdentity = { id: 'demo-customer', email: 'ada@example.com', okepayContactId: 1001 };

let store: SqlStore;
let sandbox: Sandbox;
let sent: Request[];

beforeEach(async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  sandbox = createSandbox({ baseUrl: 'http://sandbox.test', now: () => NOW });
  sent = [];
});

afterEach(async () => {
  await store.close();
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HANDOFF_OKEPAY_INSTANCE: OKEPAY_DEMO.instance,
    HANDOFF_OKEPAY_SECRET: OKEPAY_DEMO.secret,
    HANDOFF_OKEPAY_API_BASE: sandbox.urls.okepayApiBase,
    HANDOFF_PROVIDER_TIMEOUT_MS: '300',
    HANDOFF_LOG_LEVEL: 'silent',
    ...overrides,
  };
}

const toSandbox: typeof fetch = (input, init) => {
  const request = new Request(input, init);
  sent.push(request.clone());
  return sandbox.fetch(request);
};

function app(
  options: { env?: Record<string, string | undefined>; identify?: IdentifyCustomer; logger?: Logger } = {},
) {
  return createHandoff({
    config: loadConfig(env(options.env)),
    store,
    logger: options.logger ?? silentLogger,
    now: () => new Date(NOW),
    fetch: toSandbox,
    identify: options.identify ?? (() => ADA),
  });
}

function post(
  handoff: ReturnType<typeof app>,
  body: string | undefined = '{}',
  headers: Record<string, string> = {},
) {
  return handoff.request('/v1/okepay/login-link', {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

const audit = () => store.audit.list({ accountIds: ['default'], limit: 50 });

async function errorOf(res: Response) {
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

describe('POST /v1/okepay/login-link', () => {
  it("returns a one-time portal link for the customer's contact, and audits it without the link", async () => {
    const res = await post(app());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as LinkResponse;
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'url']);
    expect(body.url).toMatch(/^http:\/\/sandbox\.test\/okepay\/portal\/demo\/\?login-token=[\w-]+$/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(NOW);

    // The link logs Ada in, once.
    const first = await sandbox.fetch(new Request(body.url));
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (
      await sandbox.fetch(new Request(first.headers.get('location')!, { headers: { cookie } }))
    ).text();
    expect(page).toContain('<span data-testid="portal-contact-id">1001</span>');
    expect((await sandbox.fetch(new Request(body.url))).status).toBe(403);

    const entries = await audit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'okepay.login_link',
      outcome: 'success',
      accountId: 'default',
      customerId: 'demo-customer',
      provider: 'okepay',
      detail: 'contact 1001',
    });
    const token = new URL(body.url).searchParams.get('login-token')!;
    expect(JSON.stringify(entries)).not.toContain(token);
  });

  it('accepts an empty body', async () => {
    expect((await post(app(), undefined)).status).toBe(200);
  });

  it('refuses any field in the body (the contact comes from the session)', async () => {
    const res = await errorOf(await post(app(), JSON.stringify({ contactId: 1002 })));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(sent).toHaveLength(0);
    const notJson = await errorOf(
      await post(app(), 'userId=1002', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(notJson.status).toBe(415);
  });

  it('works with a customer token from a customer session', async () => {
    const { token } = await store.customerSessions.create({
      accountId: 'default',
      customer: { id: 'bruno', okepayContactId: 1002 },
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const res = await post(app({ identify: () => null }), '{}', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(new URLSearchParams(await sent[0]!.text()).get('userId')).toBe('1002');
  });

  it('requires a signed-in customer', async () => {
    const res = await errorOf(await post(app({ identify: () => null })));
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(await audit()).toHaveLength(0);
  });

  it('answers 403 when the customer has no OkePay contact', async () => {
    const res = await errorOf(await post(app({ identify: () => ({ id: 'no-contact' }) })));
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(sent).toHaveLength(0);
    expect(await audit()).toMatchObject([
      { outcome: 'failure', customerId: 'no-contact', detail: 'forbidden no contact' },
    ]);
  });

  it('answers 503 when OkePay is not configured', async () => {
    const res = await errorOf(
      await post(app({ env: { HANDOFF_OKEPAY_INSTANCE: undefined, HANDOFF_OKEPAY_SECRET: undefined } })),
    );
    expect(res).toMatchObject({ status: 503, body: { error: { code: 'provider_not_configured' } } });
    expect(await audit()).toMatchObject([
      { outcome: 'failure', detail: 'provider_not_configured contact 1001' },
    ]);
  });

  it("maps a wrong secret to 502 with the provider's message, never the secret", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const res = await errorOf(
      await post(app({ env: { HANDOFF_OKEPAY_SECRET: 'wrong-secret-value' }, logger })),
    );
    expect(res).toEqual({
      status: 502,
      body: { error: { code: 'provider_error', message: 'OkePay: Instance name or secret is wrong' } },
    });
    expect(lines.join('\n')).not.toContain('wrong-secret-value');
    expect(await audit()).toMatchObject([{ outcome: 'failure', detail: 'provider_error contact 1001' }]);
  });

  it('maps an unknown contact to 502', async () => {
    const res = await errorOf(await post(app({ identify: () => ({ id: 'ghost', okepayContactId: 9999 }) })));
    expect(res.status).toBe(502);
    expect(res.body.error.message).toContain('No contact with id 9999');
  });

  it('maps sandbox latency beyond the timeout to 504', async () => {
    sandbox.setFaults({ latencyMs: 5_000 });
    const res = await errorOf(await post(app()));
    expect(res).toMatchObject({ status: 504, body: { error: { code: 'provider_timeout' } } });
    expect(await audit()).toMatchObject([{ outcome: 'failure', detail: 'provider_timeout contact 1001' }]);
  });

  it('maps a malformed body and a dropped connection to 502', async () => {
    sandbox.setFaults({ malformedRate: 1 });
    expect(await errorOf(await post(app()))).toMatchObject({
      status: 502,
      body: { error: { code: 'provider_error', message: 'OkePay: answered with a body that is not JSON' } },
    });
    sandbox.setFaults({ resetRate: 1 });
    expect(await errorOf(await post(app()))).toMatchObject({
      status: 502,
      body: { error: { code: 'provider_error', message: 'OkePay: could not be reached' } },
    });
  });

  it('answers 500 without calling out for a contact id OkePay cannot take', async () => {
    const res = await errorOf(await post(app({ identify: () => ({ id: 'odd', okepayContactId: 2 ** 40 }) })));
    expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(sent).toHaveLength(0);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await app().request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const op = doc.paths['/v1/okepay/login-link']?.post;
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '502',
      '503',
      '504',
    ]);
  });
});
