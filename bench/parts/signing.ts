import { createHmac, createPrivateKey } from 'node:crypto';
import { OKEPAY_DEMO, PAYBIS_DEMO } from '@handoff/sandbox';
import { signOkePay } from '../../server/src/providers/okepay/client.ts';
import { signPaybisBodySync } from '../../server/src/providers/paybis/client.ts';
import { median } from '../lib/stats.ts';

export interface SigningResult {
  /** HMAC-SHA256 signatures per second on one core, over an OkePay request's query string. */
  hmacSha256PerSec: number;
  /** RSASSA-PSS-2048 SHA-512 signatures per second on one core, as the backend signs a Paybis body. */
  rsaPss2048Sha512PerSec: number;
  /** The backend's own OkePay signing function (HMAC plus building the query), per second. */
  okepaySignPerSec: number;
}

/**
 * Calls `fn` in a tight loop for `ms` of wall time and returns calls per second of CPU time
 * this process used: on a shared machine other processes take turns on the core, and
 * counting CPU time keeps that out of the per-core rate.
 */
function rate(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < ms) {
    // Check the clock every few calls so reading it does not dominate fast functions.
    for (let i = 0; i < 64; i++) fn();
    n += 64;
  }
  const used = process.cpuUsage(cpu);
  return (n / (used.user + used.system)) * 1e6;
}

/**
 * The ceiling of the signing itself, per core: the same synchronous node:crypto calls the
 * backend makes, on one thread, per second of CPU time, median of several rounds.
 */
export function measureSigning(rounds = 3, ms = 700): SigningResult {
  const okepayParams = [['userId', 1001]] as const;
  const query = 'userId=1001';
  const key = createPrivateKey(PAYBIS_DEMO.privateKeyPem);
  if (key.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new Error(`The sandbox Paybis key has ${key.asymmetricKeyDetails?.modulusLength} bits, not 2048.`);
  }
  const body = JSON.stringify({
    partnerUserId: 'b7f5c0de-0000-4000-8000-000000000000',
    passwordless: true,
    email: 'ada@example.com',
    flow: 'buyCrypto',
    currencyCodeFrom: 'EUR',
    currencyCodeTo: 'BTC',
    amount: '100.00',
  });
  // Warm up the JIT and OpenSSL before timing.
  rate(() => createHmac('sha256', OKEPAY_DEMO.secret).update(query).digest('base64'), 100);
  rate(() => signPaybisBodySync(key, body), 100);

  const hmac: number[] = [];
  const okepay: number[] = [];
  const rsa: number[] = [];
  for (let i = 0; i < rounds; i++) {
    hmac.push(rate(() => createHmac('sha256', OKEPAY_DEMO.secret).update(query).digest('base64'), ms));
    okepay.push(rate(() => signOkePay(OKEPAY_DEMO.secret, okepayParams), ms));
    rsa.push(rate(() => signPaybisBodySync(key, body), ms));
  }
  return {
    hmacSha256PerSec: median(hmac),
    rsaPss2048Sha512PerSec: median(rsa),
    okepaySignPerSec: median(okepay),
  };
}
