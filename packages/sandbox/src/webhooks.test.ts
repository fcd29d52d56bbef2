import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSandbox } from './index.ts';

/** A receiver that records what the sandbox posts and answers with `answer`. */
function receiver(answer: (request: Request, body: string) => Response = () => new Response('ok')) {
  const received: Array<{ url: string; headers: Headers; body: string }> = [];
  return {
    received,
    deliver: async (request: Request) => {
      const body = await request.text();
      received.push({ url: request.url, headers: request.headers, body });
      return answer(request, body);
    },
  };
}

const post = (sandbox: ReturnType<typeof createSandbox>, path: string, body: unknown) =>
  sandbox.fetch(
    new Request(`${sandbox.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );

describe('sandbox webhooks', () => {
  it('posts OkePay deliveries as a PHP form, signed, configured and triggered over HTTP', async () => {
    const hook = receiver();
    const sandbox = createSandbox({ webhooks: { deliver: hook.deliver, retryDelaysMs: [] } });
    const configured = await post(sandbox, '/_sandbox/webhooks', {
      provider: 'okepay',
      url: 'https://shop.test/hooks/okepay',
      encoding: 'php-form',
      signingKey: 'signing-key',
    });
    expect(configured.status).toBe(200);
    const event = await post(sandbox, '/_sandbox/events', {
      provider: 'okepay',
      type: 'subscribe',
      email: 'new@example.com',
    });
    expect(event.status).toBe(200);
    await sandbox.webhooks.settled();
    expect(hook.received).toHaveLength(2);
    const [transaction, subscription] = hook.received;
    const form = new URLSearchParams(transaction!.body);
    expect(form.get('transaction[contact][email]')).toBe('new@example.com');
    expect(Number(form.get('transaction[contact][id]'))).toBeGreaterThan(1003);
    expect(transaction!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(transaction!.headers.get('x-webhook-signature')).toBe(
      createHmac('sha256', 'signing-key').update(transaction!.body).digest('hex'),
    );
    expect(new URLSearchParams(subscription!.body).get('subscription[status]')).toBe('active');
  });

  it('retries a 2Checkout notification that gets no valid read receipt, a bounded number of times', async () => {
    let calls = 0;
    const hook = receiver(() =>
      ++calls < 3 ? new Response('OK') : new Response('<EPAYMENT>0|0</EPAYMENT>'),
    );
    const sandbox = createSandbox({ webhooks: { deliver: hook.deliver, retryDelaysMs: [1, 1, 1] } });
    sandbox.webhooks.configure('default', '2checkout', { url: 'https://shop.test/hooks/2co' });
    sandbox.webhooks.trigger({ provider: '2checkout', type: 'cancel', reference: 'SUB-DEMO-1' });
    await sandbox.webhooks.settled();
    // No valid receipt ever: four attempts, then it gives up.
    expect(sandbox.webhooks.deliveries()).toMatchObject([{ status: 'failed', attempts: 4, lastStatus: 200 }]);
    const fields = new URLSearchParams(hook.received[0]!.body);
    expect(fields.get('LICENSE_CODE')).toBe('SUB-DEMO-1');
    expect(fields.get('DISABLED')).toBe('1');
    expect(fields.get('HASH')).toMatch(/^[0-9a-f]{32}$/);
    expect(fields.get('SIGNATURE_SHA2_256')).toMatch(/^[0-9a-f]{64}$/);
    expect(fields.get('SIGNATURE_SHA3_256')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses unknown merchants, providers and events over HTTP', async () => {
    const sandbox = createSandbox({ webhooks: { deliver: receiver().deliver } });
    expect(
      (await post(sandbox, '/_sandbox/webhooks', { provider: 'stripe', url: 'https://x.test' })).status,
    ).toBe(400);
    expect(
      (await post(sandbox, '/_sandbox/webhooks', { provider: 'okepay', url: 'ftp://x.test' })).status,
    ).toBe(400);
    expect((await post(sandbox, '/_sandbox/events', { merchant: 'nobody', provider: 'okepay' })).status).toBe(
      400,
    );
    expect(
      (await post(sandbox, '/_sandbox/events', { provider: 'okepay', type: 'cancel', subscriptionId: 1 }))
        .status,
    ).toBe(400);
  });
});
