import { constants, createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHandoff } from '../app.ts';
import { configWithProviders } from '../auth/test-identity.ts';
import { silentLogger } from '../logger.ts';
import { forEachStore } from '../store/test-stores.ts';
import type { SqlStore } from '../store/index.ts';
import { hmacHex, signedString } from '../webhooks/twocheckout.ts';
import { WEBHOOK_TOKEN_FAILURE_LIMITS } from './webhooks.ts';

const TOKEN = 'wh_0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-12-06T10:00:00Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
const paybisKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** Someone else's key (made once: key generation is slow on a busy machine). */
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** OkePay's API as far as the re-fetch needs it: signed GETs answered from `objects`. */
function okepayApi(objects: Record<string, unknown>, calls: string[] = []): typeof fetch {
  return (input) => {
    const url = new URL(String(input));
    calls.push(url.pathname);
    const expected = createHmac('sha256', 'okepay-test-secret').update('').digest('base64');
    if (url.searchParams.get('ApiSignature') !== expected || url.searchParams.get('instance') !== 'demo') {
      return Promise.resolve(Response.json({ status: 'error', message: 'Signature wrong' }, { status: 403 }));
    }
    const match = /\/v1\.0\/(Transaction|Subscription)\/(\d+)\/$/.exec(url.pathname);
    const object = match ? objects[`${match[1]}/${match[2]}`] : undefined;
    if (object === undefined)
      return Promise.resolve(Response.json({ status: 'error', message: 'No such object' }, { status: 404 }));
    return Promise.resolve(Response.json({ status: 'success', data: [object] }));
  };
}

function appFor(store: SqlStore, options: { fetch?: typeof fetch; env?: Record<string, string> } = {}) {
  return createHandoff({
    config: configWithProviders({ HANDOFF_WEBHOOK_TOKEN: TOKEN, ...options.env }),
    store,
    logger: silentLogger,
    fetch: options.fetch ?? okepayApi({}),
    now: () => NOW,
  });
}

const transaction = {
  id: 12,
  status: 'confirmed',
  contact: { id: 7, email: 'ada@example.com' },
  subscription: { id: 3, status: 'active' },
};

function signedForm(
  fields: Array<[string, string]>,
  algo: 'md5' | 'sha256' = 'md5',
  key = 'twocheckout-test-secret',
) {
  const name = algo === 'md5' ? 'HASH' : 'SIGNATURE_SHA2_256';
  const all = [...fields, [name, hmacHex(algo, key, signedString(fields))] as [string, string]];
  return new URLSearchParams(all).toString();
}

const lcn = (
  reference: string,
  updated: string,
  extra: Array<[string, string]> = [],
): Array<[string, string]> => [
  ['LICENSE_CODE', reference],
  ['EXPIRATION_DATE', '2027-01-31'],
  ['DATE_UPDATED', updated],
  ['DISABLED', '0'],
  ['EMAIL', 'ada@example.com'],
  ...extra,
];

/** Makes the auth key the Paybis events name one the default account gave a customer. */
async function knownAuthKey(store: SqlStore) {
  await store.db
    .insertInto('paybis_auth_keys')
    .values({
      account_id: 'default',
      customer_id: 'c1',
      auth_key: 'a1b2c3d4-0000-4000-8000-000000000001',
      created_at: new Date().toISOString(),
    })
    .execute();
}

/** Newest first. */
async function audits(store: SqlStore) {
  return (await store.audit.list({ accountIds: ['default'], limit: 50 })).filter(
    (e) => e.action === 'webhook.receive',
  );
}

forEachStore('webhooks', ({ open }) => {
  describe('tokens', () => {
    it('answers an unknown or missing token 404 like any unknown route, stores nothing, audits', async () => {
      const store = await open();
      const app = appFor(store);
      for (const path of [
        '/v1/webhooks/2checkout/wh_wrongwrongwrongwrongwrongwrongwrong',
        '/v1/webhooks/okepay/short',
        '/v1/webhooks/paybis/',
      ]) {
        const res = await app.request(path, {
          method: 'POST',
          headers: FORM,
          body: signedForm(lcn('SUB-1', '2026-12-01')),
        });
        expect(res.status, path).toBe(404);
        expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No such route.' } });
      }
      expect(
        (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions,
      ).toEqual([]);
      const entries = await store.audit.list({ accountIds: ['default'], limit: 50 });
      expect(entries.filter((e) => e.action === 'webhook.receive')).toEqual([]);
    });

    it('limits unknown tokens per source (429 with Retry-After, nothing more audited); known tokens still pass', async () => {
      const store = await open();
      const app = appFor(store);
      const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
      const guess = (address: string, i: number) =>
        app.request(
          `/v1/webhooks/2checkout/wh_guess${String(i).padStart(30, '0')}`,
          { method: 'POST', headers: FORM, body: 'A=1' },
          from(address),
        );
      const auditRows = async () => (await store.db.selectFrom('audit_log').select('id').execute()).length;
      for (let i = 0; i < WEBHOOK_TOKEN_FAILURE_LIMITS.limit; i++) {
        expect((await guess('192.0.2.7', i)).status).toBe(404);
      }
      const audited = await auditRows();
      const refused = await guess('192.0.2.7', 999);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
      expect(await auditRows()).toBe(audited);
      // Another source is not held back, and a known token passes from this one.
      expect((await guess('192.0.2.8', 0)).status).toBe(404);
      expect((await app.request(`/v1/webhooks/2checkout/${TOKEN}`, {}, from('192.0.2.7'))).status).toBe(200);
    });

    it('has no endpoints without a configured token', async () => {
      const store = await open();
      const app = createHandoff({ config: configWithProviders(), store, logger: silentLogger });
      const res = await app.request(`/v1/webhooks/2checkout/${TOKEN}`);
      expect(res.status).toBe(404);
    });
  });

  describe('2Checkout', () => {
    it('answers the set-up GET with 200', async () => {
      const app = appFor(await open());
      expect((await app.request(`/v1/webhooks/2checkout/${TOKEN}`)).status).toBe(200);
    });

    it('records an LCN and answers the read receipt', async () => {
      const store = await open();
      const app = appFor(store);
      const res = await app.request(`/v1/webhooks/2checkout/${TOKEN}`, {
        method: 'POST',
        headers: FORM,
        body: signedForm(lcn('SUB-1', '2026-12-01 10:00:00')),
      });
      expect(res.status).toBe(200);
      const date = '20261206100000';
      const hash = hmacHex('md5', 'twocheckout-test-secret', `5SUB-1102027-01-3114${date}`);
      expect(await res.text()).toBe(`<EPAYMENT>${date}|${hash}</EPAYMENT>`);
      expect(
        (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions,
      ).toEqual([
        { reference: 'SUB-1', status: 'active', expiresAt: '2027-01-31T00:00:00.000Z', disabled: false },
      ]);
      expect(await audits(store)).toMatchObject([
        { outcome: 'success', provider: '2checkout', detail: 'lcn SUB-1: applied' },
      ]);
    });

    it('records an IPN with several subscriptions', async () => {
      const store = await open();
      const body = signedForm([
        ['REFNO', '900'],
        ['ORDERSTATUS', 'COMPLETE'],
        ['CUSTOMEREMAIL', 'ada@example.com'],
        ['IPN_DATE', '20261201100000'],
        ['IPN_PID[]', '1'],
        ['IPN_PNAME[]', 'Pro'],
        ['IPN_LICENSE_REF[]', 'SUB-1'],
        ['IPN_LICENSE_EXP[]', '2027-01-31 00:00:00'],
        ['IPN_PID[]', '2'],
        ['IPN_PNAME[]', 'Team'],
        ['IPN_LICENSE_REF[]', 'SUB-2'],
        ['IPN_LICENSE_EXP[]', '2027-02-28 00:00:00'],
      ]);
      const res = await appFor(store).request(`/v1/webhooks/2checkout/${TOKEN}`, {
        method: 'POST',
        headers: FORM,
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^<EPAYMENT>20261206100000\|[0-9a-f]{32}<\/EPAYMENT>$/);
      const { twocheckoutSubscriptions } = await store.customerDirectory.lookup('default', 'ada@example.com');
      expect(twocheckoutSubscriptions.map((s) => s.reference)).toEqual(['SUB-1', 'SUB-2']);
    });

    it('refuses a wrong signature (401), or one the connection does not use, storing nothing', async () => {
      const store = await open();
      const sha = appFor(store, { env: { HANDOFF_2CO_HASH_ALGO: 'sha256' } });
      for (const [app, body] of [
        [appFor(store), signedForm(lcn('SUB-1', '2026-12-01'), 'md5', 'wrong-key')],
        [sha, signedForm(lcn('SUB-1', '2026-12-01'), 'md5')],
      ] as const) {
        const res = await app.request(`/v1/webhooks/2checkout/${TOKEN}`, {
          method: 'POST',
          headers: FORM,
          body,
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
      const res = await sha.request(`/v1/webhooks/2checkout/${TOKEN}`, {
        method: 'POST',
        headers: FORM,
        body: signedForm(lcn('SUB-1', '2026-12-01'), 'sha256'),
      });
      expect(await res.text()).toMatch(/^<sig algo="sha256" date="20261206100000">[0-9a-f]{64}<\/sig>$/);
      expect(await audits(store)).toMatchObject([
        { outcome: 'success' },
        { outcome: 'failure', detail: expect.stringContaining('unauthorized') },
        { outcome: 'failure', detail: expect.stringContaining('unauthorized') },
      ]);
    });

    it('changes nothing for a replay, and an older event never overwrites a newer one', async () => {
      const store = await open();
      const app = appFor(store);
      const post = (body: string) =>
        app.request(`/v1/webhooks/2checkout/${TOKEN}`, { method: 'POST', headers: FORM, body });
      const newer = signedForm(lcn('SUB-1', '2026-12-02 10:00:00', [['STATUS', 'canceled']]));
      const older = signedForm(lcn('SUB-1', '2026-12-01 10:00:00'));
      expect((await post(newer)).status).toBe(200);
      const replay = await post(newer);
      expect(replay.status).toBe(200);
      expect(await replay.text()).toMatch(/^<EPAYMENT>/);
      expect((await post(older)).status).toBe(200);
      expect(
        (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions[0]
          ?.status,
      ).toBe('canceled');
      expect((await audits(store)).map((e) => e.detail)).toEqual([
        'lcn SUB-1: applied',
        'lcn SUB-1: duplicate',
        'lcn SUB-1: applied',
      ]);
    });

    it('refuses malformed bodies with 400 and other encodings with 415', async () => {
      const app = appFor(await open());
      const post = (body: BodyInit, headers: Record<string, string> = FORM) =>
        app.request(`/v1/webhooks/2checkout/${TOKEN}`, { method: 'POST', headers, body });
      expect((await post(signedForm([['A', '1']]))).status).toBe(400);
      expect((await post(new Uint8Array([0xff, 0xfe]))).status).toBe(400);
      expect((await post('{}', JSON_TYPE)).status).toBe(415);
      expect((await post('x'.repeat(20_000))).status).toBe(413);
    });
    it('refuses NUL in a signed form field with 400 before anything is stored', async () => {
      const store = await open();
      const app = appFor(store);
      for (const fields of [
        lcn('SUB-1', '2026-12-01 10:00:00', [['STATUS', 'act\u0000ive']]),
        lcn('SUB-1', '2026-12-01 10:00:00').map(([k, v]): [string, string] =>
          k === 'EMAIL' ? [k, 'ada\u0000@example.com'] : [k, v],
        ),
        lcn('SUB-1', '2026-12-01 10:00:00', [['NOTE\u0000', 'x']]),
      ]) {
        const res = await app.request(`/v1/webhooks/2checkout/${TOKEN}`, {
          method: 'POST',
          headers: FORM,
          body: signedForm(fields),
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
      }
      expect(
        (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions,
      ).toEqual([]);
    });
  });

  describe('OkePay', () => {
    const json = JSON.stringify({ transaction });
    const form = new URLSearchParams([
      ['transaction[id]', '12'],
      ['transaction[status]', 'confirmed'],
      ['transaction[contact][id]', '7'],
      ['transaction[contact][email]', 'ada@example.com'],
    ]).toString();

    for (const [name, headers, body] of [
      ['JSON', JSON_TYPE, json],
      ['a PHP form post', FORM, form],
    ] as const) {
      it(`records the contact confirmed by the signed API, from ${name}`, async () => {
        const store = await open();
        const calls: string[] = [];
        const app = appFor(store, { fetch: okepayApi({ 'Transaction/12': transaction }, calls) });
        const res = await app.request(`/v1/webhooks/okepay/${TOKEN}`, { method: 'POST', headers, body });
        expect(res.status).toBe(200);
        expect(calls).toEqual(['/v1.0/Transaction/12/']);
        expect((await store.customerDirectory.lookup('default', 'ada@example.com')).okepayContactId).toBe(7);
        // A retry changes nothing.
        await app.request(`/v1/webhooks/okepay/${TOKEN}`, { method: 'POST', headers, body });
        expect((await audits(store)).map((e) => e.detail)).toEqual([
          'transaction 12: duplicate',
          'transaction 12: applied',
        ]);
      });
    }

    it('trusts nothing the API does not confirm', async () => {
      const store = await open();
      const forged = JSON.stringify({
        transaction: { ...transaction, contact: { id: 8, email: 'eve@example.com' } },
      });
      const confirmed = appFor(store, { fetch: okepayApi({ 'Transaction/12': transaction }) });
      const disagreeing = await confirmed.request(`/v1/webhooks/okepay/${TOKEN}`, {
        method: 'POST',
        headers: JSON_TYPE,
        body: forged,
      });
      expect(disagreeing.status).toBe(409);
      const unknown = await appFor(store).request(`/v1/webhooks/okepay/${TOKEN}`, {
        method: 'POST',
        headers: JSON_TYPE,
        body: forged,
      });
      expect(unknown.status).toBe(409);
      const failing = appFor(store, { fetch: () => Promise.reject(new Error('down')) });
      expect(
        (
          await failing.request(`/v1/webhooks/okepay/${TOKEN}`, {
            method: 'POST',
            headers: JSON_TYPE,
            body: json,
          })
        ).status,
      ).toBe(502);
      for (const email of ['eve@example.com', 'ada@example.com']) {
        expect((await store.customerDirectory.lookup('default', email)).okepayContactId).toBeNull();
      }
      expect((await audits(store)).every((e) => e.outcome === 'failure')).toBe(true);
    });

    it('checks X-Webhook-Signature when a signing key is configured', async () => {
      const store = await open();
      const app = appFor(store, {
        fetch: okepayApi({ 'Transaction/12': transaction }),
        env: { HANDOFF_OKEPAY_WEBHOOK_SIGNING_KEY: 'signing-key' },
      });
      const post = (headers: Record<string, string>) =>
        app.request(`/v1/webhooks/okepay/${TOKEN}`, {
          method: 'POST',
          headers: { ...JSON_TYPE, ...headers },
          body: json,
        });
      expect((await post({})).status).toBe(401);
      expect(
        (await post({ 'x-webhook-signature': createHmac('sha256', 'other').update(json).digest('hex') }))
          .status,
      ).toBe(401);
      expect((await store.customerDirectory.lookup('default', 'ada@example.com')).okepayContactId).toBeNull();
      expect(
        (
          await post({
            'x-webhook-signature': createHmac('sha256', 'signing-key').update(json).digest('hex'),
          })
        ).status,
      ).toBe(200);
      expect((await store.customerDirectory.lookup('default', 'ada@example.com')).okepayContactId).toBe(7);
    });

    it('keeps the URL token and the connection secrets out of error messages and audit details', async () => {
      const store = await open();
      const app = appFor(store, { env: { HANDOFF_OKEPAY_WEBHOOK_SIGNING_KEY: 'okepay-signing-key' } });
      const body = `]${TOKEN}=1&okepay-signing-key]=2`;
      const res = await app.request(`/v1/webhooks/okepay/${TOKEN}`, {
        method: 'POST',
        headers: {
          ...FORM,
          'x-webhook-signature': createHmac('sha256', 'okepay-signing-key').update(body).digest('hex'),
        },
        body,
      });
      expect(res.status).toBe(400);
      const text = JSON.stringify([await res.json(), await audits(store)]);
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(TOKEN);
    });

    it('refuses malformed bodies with 400', async () => {
      const app = appFor(await open());
      for (const [headers, body] of [
        [JSON_TYPE, '{'],
        [JSON_TYPE, '{"transaction":{"id":"x"}}'],
        [FORM, '__proto__[id]=1'],
        [{ 'content-type': 'text/plain' }, 'hello'],
      ] as const) {
        const res = await app.request(`/v1/webhooks/okepay/${TOKEN}`, { method: 'POST', headers, body });
        expect(res.status, body).toBe(400);
      }
    });
  });

  describe('Paybis', () => {
    const pem = paybisKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const event = (status: string, timestamp: number) =>
      JSON.stringify({
        event: 'VERIFICATION_STATUS_UPDATED',
        data: { partnerUserId: 'a1b2c3d4-0000-4000-8000-000000000001', status, residenceCountry: 'CH' },
        timestamp,
      });
    const signature = (body: string, key = paybisKeys.privateKey) =>
      sign('sha512', Buffer.from(createHash('sha512').update(body).digest('hex')), {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 64,
      }).toString('base64');

    it('records the verification status by auth key, newest first', async () => {
      const store = await open();
      await knownAuthKey(store);
      const app = appFor(store);
      const post = (body: string) =>
        app.request(`/v1/webhooks/paybis/${TOKEN}`, { method: 'POST', headers: JSON_TYPE, body });
      expect((await post(event('approved', 1_780_000_100))).status).toBe(200);
      expect((await post(event('started', 1_780_000_000))).status).toBe(200);
      expect(
        await store.customerDirectory.paybisStatus('default', 'a1b2c3d4-0000-4000-8000-000000000001'),
      ).toBe('approved');
    });

    it("requires Paybis's signature when its public key is configured", async () => {
      const store = await open();
      await knownAuthKey(store);
      const app = appFor(store, { env: { HANDOFF_PAYBIS_WEBHOOK_PUBLIC_KEY: pem } });
      const body = event('approved', 1_780_000_100);
      const post = (headers: Record<string, string>) =>
        app.request(`/v1/webhooks/paybis/${TOKEN}`, {
          method: 'POST',
          headers: { ...JSON_TYPE, ...headers },
          body,
        });
      expect((await post({})).status).toBe(401);
      expect((await post({ 'x-request-signature': signature(body, otherKeys.privateKey) })).status).toBe(401);
      expect(
        await store.customerDirectory.paybisStatus('default', 'a1b2c3d4-0000-4000-8000-000000000001'),
      ).toBeNull();
      expect((await post({ 'x-request-signature': signature(body) })).status).toBe(200);
      expect(
        await store.customerDirectory.paybisStatus('default', 'a1b2c3d4-0000-4000-8000-000000000001'),
      ).toBe('approved');
    });
  });

  it('is described in the OpenAPI document', async () => {
    const app = appFor(await open());
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/webhooks/okepay/{token}',
        '/v1/webhooks/2checkout/{token}',
        '/v1/webhooks/paybis/{token}',
      ]),
    );
  });
});
