import { decodeBase64, encodeBase64, hmac } from './http.ts';
import { sha512Hex } from './paybis-crypto.ts';
import { httpBuildQuery, type PhpForm } from './php-query.ts';
import { hmacHex, type TwoCheckoutHashAlgo } from './twocheckout-hash.ts';

/**
 * The webhooks the providers send, as the sandbox's customers subscribe, pay, renew or cancel:
 * to the URL a merchant configured, in each documented encoding, signed as each provider signs,
 * and retried like the providers retry (bounded). Written apart from the server's parsers on
 * purpose: a sender that shared our receiver's code would accept its bugs.
 */

export type WebhookProvider = 'okepay' | '2checkout' | 'paybis';

export interface WebhookEndpoint {
  url: string;
  /** OkePay: "Normal (PHP-Post)" form or JSON (default `json`). */
  encoding?: 'json' | 'php-form';
  /** OkePay: also sign with `X-Webhook-Signature` (hex HMAC-SHA256 of the body) under this key. */
  signingKey?: string;
  /** Paybis: sign with `X-Request-Signature` using this RSA private key (PKCS#8 PEM). */
  privateKeyPem?: string;
}

/** What is posted: a body already encoded, or fields for the sender to encode and sign. */
export type WebhookMessage =
  | { provider: 'okepay'; payload: Record<string, unknown> }
  | { provider: '2checkout'; kind: 'ipn' | 'lcn'; fields: Array<[string, string]>; secretKey: string }
  | { provider: 'paybis'; payload: Record<string, unknown> };

export interface WebhookDelivery {
  id: number;
  merchant: string;
  provider: WebhookProvider;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** The last answer's HTTP status, or 0 when the request failed. */
  lastStatus: number | null;
}

export interface WebhookSenderOptions {
  /** How requests leave the sandbox (default: the global fetch). */
  deliver?: (request: Request) => Promise<Response>;
  /** Waits between attempts; the number of attempts is one more than its length (default: 10 in all). */
  retryDelaysMs?: readonly number[];
  now: () => number;
}

/** About the real providers' schedules (10 tries over several days), compressed to an hour. */
const DEFAULT_RETRY_DELAYS_MS = [
  5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
];
const TIMEOUT_MS = 20_000;

export interface WebhookSender {
  configure(merchant: string, provider: WebhookProvider, endpoint: WebhookEndpoint | null): void;
  endpoints(): Array<{ merchant: string; provider: WebhookProvider; url: string; encoding?: string }>;
  /** Queues a message for the merchant's endpoint; null when none is configured. */
  send(merchant: string, message: WebhookMessage): WebhookDelivery | null;
  deliveries(): WebhookDelivery[];
  /** Resolves when no delivery is pending any more. */
  settled(): Promise<void>;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const deliver = options.deliver ?? ((request: Request) => fetch(request));
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const configured = new Map<string, WebhookEndpoint>();
  const log: WebhookDelivery[] = [];
  const pending = new Set<Promise<void>>();
  let nextId = 1;

  async function attempt(message: WebhookMessage, endpoint: WebhookEndpoint): Promise<number | 'accepted'> {
    const request = await encode(message, endpoint, options.now());
    let response: Response;
    try {
      response = await deliver(
        new Request(request.url, { ...request.init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
      );
    } catch {
      return 0;
    }
    const text = await response.text().catch(() => '');
    if (response.status < 200 || response.status >= 300) return response.status;
    // 2Checkout retries until it reads a valid receipt.
    if (message.provider === '2checkout' && !(await receiptValid(message, text))) return response.status;
    return 'accepted';
  }

  async function run(delivery: WebhookDelivery, message: WebhookMessage, endpoint: WebhookEndpoint) {
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, delays[i - 1]));
      delivery.attempts++;
      const outcome = await attempt(message, endpoint);
      if (outcome === 'accepted') {
        delivery.status = 'delivered';
        delivery.lastStatus = 200;
        return;
      }
      delivery.lastStatus = outcome;
    }
    delivery.status = 'failed';
  }

  return {
    configure(merchant, provider, endpoint) {
      const key = `${merchant}/${provider}`;
      if (endpoint === null) configured.delete(key);
      else {
        const url = new URL(endpoint.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          throw new TypeError('Webhook URLs are http(s).');
        configured.set(key, endpoint);
      }
    },
    endpoints: () =>
      [...configured].map(([key, endpoint]) => {
        const [merchant, provider] = key.split('/') as [string, WebhookProvider];
        return {
          merchant,
          provider,
          url: endpoint.url,
          ...(endpoint.encoding ? { encoding: endpoint.encoding } : {}),
        };
      }),
    send(merchant, message) {
      const endpoint = configured.get(`${merchant}/${message.provider}`);
      if (!endpoint) return null;
      const delivery: WebhookDelivery = {
        id: nextId++,
        merchant,
        provider: message.provider,
        url: endpoint.url,
        status: 'pending',
        attempts: 0,
        lastStatus: null,
      };
      log.push(delivery);
      if (log.length > 1000) log.shift();
      const work = run(delivery, message, endpoint).finally(() => pending.delete(work));
      pending.add(work);
      return delivery;
    },
    deliveries: () => log.map((d) => ({ ...d })),
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** PHP's `$_POST` shape of a nested object, for a "Normal (PHP-Post)" webhook. */
function phpForm(value: Record<string, unknown>): PhpForm {
  const form: PhpForm = new Map();
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    form.set(key, typeof child === 'object' ? phpForm(child as Record<string, unknown>) : String(child));
  }
  return form;
}

/** `byteLength(value) + value`, empty as `0`: 2Checkout's signed-string rule, written here on its own. */
function lengthPrefixed(value: string): string {
  return value === '' ? '0' : `${new TextEncoder().encode(value).byteLength}${value}`;
}

const SIGNATURE_FIELDS: ReadonlyArray<[string, TwoCheckoutHashAlgo]> = [
  ['HASH', 'md5'],
  ['SIGNATURE_SHA2_256', 'sha256'],
  ['SIGNATURE_SHA3_256', 'sha3-256'],
];

async function encode(
  message: WebhookMessage,
  endpoint: WebhookEndpoint,
  now: number,
): Promise<{ url: string; init: RequestInit }> {
  const headers: Record<string, string> = { 'user-agent': `handoff-sandbox/${message.provider}` };
  let body: string;
  if (message.provider === 'okepay') {
    if (endpoint.encoding === 'php-form') {
      body = httpBuildQuery(phpForm(message.payload));
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      body = JSON.stringify(message.payload);
      headers['content-type'] = 'application/json';
    }
    if (endpoint.signingKey) {
      const mac = await hmac(endpoint.signingKey, body);
      headers['x-webhook-signature'] = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
    }
  } else if (message.provider === '2checkout') {
    const signed = message.fields.map(([, value]) => lengthPrefixed(value)).join('');
    const fields = [...message.fields];
    // 2Checkout sends every signature it can make; the receiver checks the one it uses.
    for (const [name, algo] of SIGNATURE_FIELDS) {
      const hash = await hmacHex(algo, message.secretKey, signed);
      if (hash !== null) fields.push([name, hash]);
    }
    body = new URLSearchParams(fields).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    body = JSON.stringify({ ...message.payload, timestamp: Math.floor(now / 1000) });
    headers['content-type'] = 'application/json';
    if (endpoint.privateKeyPem)
      headers['x-request-signature'] = await paybisSignature(endpoint.privateKeyPem, body);
  }
  return { url: endpoint.url, init: { method: 'POST', headers, body } };
}

async function paybisSignature(privateKeyPem: string, body: string): Promise<string> {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(privateKeyPem);
  const der = match?.[1] ? decodeBase64(match[1].replace(/\s+/g, '')) : null;
  if (!der) throw new TypeError('The Paybis webhook key must be a PKCS#8 PEM private key.');
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'RSA-PSS', hash: 'SHA-512' }, false, [
    'sign',
  ]);
  const digest = new TextEncoder().encode(await sha512Hex(new TextEncoder().encode(body)));
  return encodeBase64(
    new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 64 }, key, digest)),
  );
}

/** Whether a 2Checkout receiver answered the read receipt the docs require. */
async function receiptValid(
  message: Extract<WebhookMessage, { provider: '2checkout' }>,
  text: string,
): Promise<boolean> {
  const epayment = /<EPAYMENT>(\d{14})\|([0-9a-f]+)<\/EPAYMENT>/i.exec(text);
  const sig = /<sig algo="(sha256|sha3-256)" date="(\d{14})">([0-9a-f]+)<\/sig>/i.exec(text);
  const [algo, date, hash] = epayment
    ? (['md5', epayment[1]!, epayment[2]!] as const)
    : sig
      ? ([sig[1]!.toLowerCase() as TwoCheckoutHashAlgo, sig[2]!, sig[3]!] as const)
      : [null, null, null];
  if (algo === null) return false;
  const field = (name: string) => message.fields.find(([key]) => key === name)?.[1] ?? '';
  const parts =
    message.kind === 'lcn'
      ? [field('LICENSE_CODE'), field('EXPIRATION_DATE'), date]
      : [field('IPN_PID[]'), field('IPN_PNAME[]'), field('IPN_DATE'), date];
  const expected = await hmacHex(algo, message.secretKey, parts.map(lengthPrefixed).join(''));
  return expected !== null && expected === hash.toLowerCase();
}
