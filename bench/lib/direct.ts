import { createPrivateKey } from 'node:crypto';
import { OKEPAY_DEMO, PAYBIS_DEMO, TWOCHECKOUT_DEMO, type Sandbox } from '@handoff/sandbox';
import { signOkePay } from '../../server/src/providers/okepay/client.ts';
import { signPaybisBodySync } from '../../server/src/providers/paybis/client.ts';
import { httpBuildQuery } from '../../server/src/providers/php-query.ts';
import { gmtDate, twoCheckoutLoginHash } from '../../server/src/providers/twocheckout/client.ts';
import type { RequestSpec } from './load.ts';
import { BENCH_CUSTOMER, type RouteName } from './stack.ts';

/**
 * The provider calls the backend makes for each route in its steady state, sent straight to the
 * sandbox: "the sandbox's own time". Bodies are signed once, with the backend's own signing
 * code, and replayed, so the client side does no signing while it is timed.
 */
export async function directSpecs(urls: Sandbox['urls']): Promise<Record<RouteName, RequestSpec>> {
  const okepayParams = [['userId', BENCH_CUSTOMER.okepayContactId!]] as const;
  const okepay: RequestSpec = {
    url: `${urls.okepayApiBase}/v1.0/AuthToken/?instance=${OKEPAY_DEMO.instance}`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: `${httpBuildQuery(okepayParams)}&ApiSignature=${encodeURIComponent(signOkePay(OKEPAY_DEMO.secret, okepayParams))}`,
  };

  // 2Checkout: one login for a session, then getSingleSignOn calls on it (as the backend's shared session).
  const date = gmtDate(new Date());
  const login = await fetch(urls.twocheckoutApiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'login',
      params: [
        TWOCHECKOUT_DEMO.merchantCode,
        date,
        twoCheckoutLoginHash('md5', TWOCHECKOUT_DEMO.secretKey, TWOCHECKOUT_DEMO.merchantCode, date),
      ],
      id: 1,
    }),
  });
  const sessionId = ((await login.json()) as { result?: unknown }).result;
  if (typeof sessionId !== 'string') throw new Error('The sandbox 2Checkout login gave no session id.');
  const twocheckout: RequestSpec = {
    url: urls.twocheckoutApiUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'getSingleSignOn',
      params: [sessionId, 'SUB-DEMO-1', BENCH_CUSTOMER.email, 30, null, null],
      id: 2,
    }),
  };

  const paybisBody = JSON.stringify({
    partnerUserId: 'bench-direct-auth-key',
    passwordless: true,
    email: BENCH_CUSTOMER.email,
    flow: 'buyCrypto',
    currencyCodeFrom: 'EUR',
    currencyCodeTo: 'BTC',
    amount: '100.00',
  });
  const paybis: RequestSpec = {
    url: `${urls.paybisApiUrl}/v2/request`,
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: `Bearer ${PAYBIS_DEMO.apiKey}`,
      'x-request-signature': signPaybisBodySync(createPrivateKey(PAYBIS_DEMO.privateKeyPem), paybisBody),
    },
    body: paybisBody,
  };

  return { okepay, '2checkout': twocheckout, paybis };
}
