import { json } from './http.ts';
import type { OkePaySimulation } from './okepay.ts';
import type { TwoCheckoutSimulation } from './twocheckout.ts';
import type { WebhookDelivery, WebhookEndpoint, WebhookProvider, WebhookSender } from './webhooks.ts';

/** One merchant's simulators, as the event trigger needs them. */
export interface MerchantSimulation {
  okepay: OkePaySimulation;
  twocheckout: TwoCheckoutSimulation;
  /** The 2Checkout secret key its notifications are signed with. */
  twocheckoutSecretKey: string;
}

/**
 * Something a sandbox customer does. `subscribe` creates the customer (by email) when new;
 * `pay` and `renew` pay the next period; `cancel` ends a subscription; Paybis `verification`
 * reports a verification status for an auth key.
 */
export type SandboxEvent =
  | { provider: 'okepay'; type: 'subscribe'; email: string; firstName?: string; lastName?: string }
  | { provider: 'okepay'; type: 'pay' | 'renew' | 'cancel'; subscriptionId: number }
  | { provider: '2checkout'; type: 'subscribe'; email: string; firstName?: string; lastName?: string }
  | { provider: '2checkout'; type: 'renew' | 'cancel'; reference: string }
  | { provider: 'paybis'; type: 'verification'; authKey: string; status: 'started' | 'approved' | 'failed' };

export interface EventResult {
  /** The ids the event created or touched. */
  subscriptionId?: number;
  reference?: string;
  deliveries: WebhookDelivery[];
}

export class SandboxEventError extends Error {
  override name = 'SandboxEventError';
}

/** Acts out an event in the merchant's simulators and sends the webhooks it causes. */
export function triggerEvent(
  sender: WebhookSender,
  merchantName: string,
  merchant: MerchantSimulation,
  event: SandboxEvent,
): EventResult {
  const sent = (deliveries: Array<WebhookDelivery | null>) => deliveries.filter((d) => d !== null);
  switch (event.provider) {
    case 'okepay': {
      if (event.type === 'subscribe') {
        const { transaction } = merchant.okepay.subscribe(event);
        // One successful subscription payment produces two webhooks: the transaction and the subscription.
        const subscription = transaction.subscription as Record<string, unknown>;
        return {
          subscriptionId: subscription.id as number,
          deliveries: sent([
            sender.send(merchantName, { provider: 'okepay', payload: { transaction } }),
            sender.send(merchantName, { provider: 'okepay', payload: { subscription } }),
          ]),
        };
      }
      const result =
        event.type === 'cancel'
          ? merchant.okepay.cancel(event.subscriptionId)
          : merchant.okepay.renew(event.subscriptionId);
      if (!result) throw new SandboxEventError(`No active OkePay subscription ${event.subscriptionId}.`);
      return {
        subscriptionId: event.subscriptionId,
        deliveries: sent([sender.send(merchantName, { provider: 'okepay', payload: result })]),
      };
    }
    case '2checkout': {
      const secretKey = merchant.twocheckoutSecretKey;
      if (event.type === 'subscribe') {
        const { reference, ipn, lcn } = merchant.twocheckout.subscribe(event);
        return {
          reference,
          deliveries: sent([
            sender.send(merchantName, { provider: '2checkout', kind: 'ipn', fields: ipn, secretKey }),
            sender.send(merchantName, { provider: '2checkout', kind: 'lcn', fields: lcn, secretKey }),
          ]),
        };
      }
      const result =
        event.type === 'cancel'
          ? merchant.twocheckout.cancel(event.reference)
          : merchant.twocheckout.renew(event.reference);
      if (!result) throw new SandboxEventError(`No such 2Checkout subscription ${event.reference}.`);
      return {
        reference: event.reference,
        deliveries: sent([
          sender.send(merchantName, { provider: '2checkout', kind: 'lcn', fields: result.lcn, secretKey }),
        ]),
      };
    }
    case 'paybis':
      return {
        deliveries: sent([
          sender.send(merchantName, {
            provider: 'paybis',
            payload: {
              event: 'VERIFICATION_STATUS_UPDATED',
              data: { partnerUserId: event.authKey, status: event.status, residenceCountry: 'CH' },
            },
          }),
        ]),
      };
  }
}

const PROVIDERS: readonly WebhookProvider[] = ['okepay', '2checkout', 'paybis'];

async function readJson(request: Request): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await request.json();
    return body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * `GET|POST /_sandbox/webhooks` (where each merchant's webhooks go, and what was delivered) and
 * `POST /_sandbox/events` (act out a customer event), for the demo and for tests over HTTP.
 */
export function createEventRoutes(sender: WebhookSender, merchants: ReadonlyMap<string, MerchantSimulation>) {
  return {
    async webhooks(request: Request): Promise<Response> {
      if (request.method === 'GET')
        return json({ endpoints: sender.endpoints(), deliveries: sender.deliveries() });
      if (request.method !== 'POST') return json({ error: 'Use GET or POST.' }, 405, { allow: 'GET, POST' });
      const body = await readJson(request);
      const merchant = typeof body?.merchant === 'string' ? body.merchant : 'default';
      const provider = PROVIDERS.find((p) => p === body?.provider);
      if (!body || !provider || !merchants.has(merchant)) {
        return json(
          { error: 'Send {"provider": "okepay|2checkout|paybis", "url": "…", "merchant"?: "…"}.' },
          400,
        );
      }
      try {
        sender.configure(merchant, provider, body.url === null ? null : (body as unknown as WebhookEndpoint));
      } catch {
        return json({ error: 'url must be an http(s) URL.' }, 400);
      }
      return json({ endpoints: sender.endpoints() });
    },
    async events(request: Request): Promise<Response> {
      if (request.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
      const body = await readJson(request);
      const merchantName = typeof body?.merchant === 'string' ? body.merchant : 'default';
      const merchant = merchants.get(merchantName);
      if (!body || !merchant) return json({ error: 'Send an event as a JSON object.' }, 400);
      try {
        return json(triggerEvent(sender, merchantName, merchant, body as unknown as SandboxEvent));
      } catch (err) {
        return json({ error: err instanceof Error ? err.message : 'The event failed.' }, 400);
      }
    },
  };
}
