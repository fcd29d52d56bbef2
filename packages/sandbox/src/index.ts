import { injectFault, parseFaultConfig, FaultConfigError, type ProviderId } from './faults.ts';
import { escapeHtml, html, json, page, SandboxConnectionReset } from './http.ts';
import { createOkePaySandbox, OKEPAY_DEMO, type OkePaySeed } from './okepay.ts';
import { createPaybisSandbox, PAYBIS_DEMO, type PaybisSeed } from './paybis.ts';
import { createTwoCheckoutSandbox, TWOCHECKOUT_DEMO, type TwoCheckoutSeed } from './twocheckout.ts';
import { OKEPAY_SECOND, PAYBIS_SECOND, TWOCHECKOUT_SECOND } from './second-merchant.ts';
import type { FaultConfig, ProviderSandbox, SandboxContext } from './types.ts';

export type { FaultConfig, ProviderSandbox, SandboxContext } from './types.ts';
export type { OkePaySeed, PaybisSeed, TwoCheckoutSeed };
export { OKEPAY_DEMO, PAYBIS_DEMO, TWOCHECKOUT_DEMO };
export { OKEPAY_SECOND, PAYBIS_SECOND, TWOCHECKOUT_SECOND };

/** One more merchant's seeds for every provider, each with its own secrets. */
export interface MerchantSeeds {
  okepay: OkePaySeed;
  twocheckout: TwoCheckoutSeed;
  paybis: PaybisSeed;
}

/** The second demo merchant, served by default under `/merchants/second/`. */
export const SECOND_MERCHANT: MerchantSeeds = {
  okepay: OKEPAY_SECOND,
  twocheckout: TWOCHECKOUT_SECOND,
  paybis: PAYBIS_SECOND,
};
export { FaultConfigError, parseFaultConfig } from './faults.ts';
export { SandboxConnectionReset } from './http.ts';

export interface SandboxOptions {
  /** Origin the sandbox is reachable at (links it hands out point here). Default `http://sandbox.localhost`. */
  baseUrl?: string;
  okepay?: OkePaySeed;
  twocheckout?: TwoCheckoutSeed;
  paybis?: PaybisSeed;
  /**
   * More merchants, by name, each served under `/merchants/{name}/` with its own OkePay instance,
   * 2Checkout merchant and Paybis partner (default: `second`, see SECOND_MERCHANT).
   */
  merchants?: Readonly<Record<string, MerchantSeeds>>;
  faults?: FaultConfig;
  now?: () => number;
  /** How to learn a request's client IP (the Node server sets this from the socket). */
  clientIp?: (request: Request) => string | null;
  /** Source of randomness for fault rates, in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export interface Sandbox {
  readonly baseUrl: string;
  /**
   * The Web-standard handler: serve it, put it behind MSW, or call it from a test. An injected
   * connection reset rejects with `SandboxConnectionReset`; a request whose signal aborts
   * during injected latency rejects with the abort reason.
   */
  fetch(request: Request): Promise<Response>;
  /** Replace the fault configuration (also `POST /_sandbox/faults` with the same JSON). */
  setFaults(faults: FaultConfig): void;
  /** The fault configuration in force. */
  getFaults(): FaultConfig;
  /** Where to point the backend at this sandbox (the HANDOFF_*_URL / _BASE variables). */
  readonly urls: SandboxUrls;
  /** The same for each further merchant, by name. */
  readonly merchants: Readonly<Record<string, { readonly urls: SandboxUrls }>>;
}

export interface SandboxUrls {
  okepayApiBase: string;
  twocheckoutApiUrl: string;
  paybisApiUrl: string;
  paybisWidgetUrl: string;
}

const MERCHANT_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

export const DEFAULT_BASE_URL = 'http://sandbox.localhost';

const PREFIXES: ReadonlyArray<readonly [string, ProviderId]> = [
  ['/okepay', 'okepay'],
  ['/2checkout', '2checkout'],
  ['/paybis', 'paybis'],
];

/** Requests under `/{provider}/api` are provider APIs (faults apply); everything else is a hosted page. */
function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * Builds the sandbox: one fetch handler simulating OkePay, 2Checkout and Paybis (their APIs, with
 * the same signature checks, and their hosted pages), seeded with demo data.
 *
 * @example
 * const sandbox = createSandbox({ baseUrl: 'http://127.0.0.1:8790' });
 * const res = await sandbox.fetch(new Request(`${sandbox.urls.okepayApiBase}/v1.0/AuthToken/?instance=demo`, init));
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const basePath = new URL(baseUrl).pathname.replace(/\/$/, '');
  const random = options.random ?? Math.random;
  let faults = options.faults ? parseFaultConfig(options.faults) : {};

  const okepaySeed = options.okepay ?? OKEPAY_DEMO;
  const ctx: SandboxContext = {
    baseUrl,
    now: options.now ?? (() => Date.now()),
    clientIp: options.clientIp ?? (() => null),
  };
  const providers: Record<ProviderId, ProviderSandbox> = {
    okepay: createOkePaySandbox(ctx, options.okepay),
    '2checkout': createTwoCheckoutSandbox(ctx, options.twocheckout),
    paybis: createPaybisSandbox(ctx, options.paybis),
  };
  const urls = urlsAt(baseUrl);

  // Each further merchant is the same simulators with its own seeds, at its own path.
  const merchants = new Map<string, { urls: SandboxUrls; providers: Record<ProviderId, ProviderSandbox> }>();
  for (const [name, seeds] of Object.entries(options.merchants ?? { second: SECOND_MERCHANT })) {
    if (!MERCHANT_NAME.test(name))
      throw new TypeError(`Sandbox merchant name "${name}" must be a-z, 0-9 and dashes.`);
    const merchantCtx: SandboxContext = { ...ctx, baseUrl: `${baseUrl}/merchants/${name}` };
    merchants.set(name, {
      urls: urlsAt(merchantCtx.baseUrl),
      providers: {
        okepay: createOkePaySandbox(merchantCtx, seeds.okepay),
        '2checkout': createTwoCheckoutSandbox(merchantCtx, seeds.twocheckout),
        paybis: createPaybisSandbox(merchantCtx, seeds.paybis),
      },
    });
  }

  async function handleFaults(request: Request): Promise<Response> {
    if (request.method === 'GET') return json(faults);
    if (request.method !== 'POST') return json({ error: 'Use GET or POST.' }, 405, { allow: 'GET, POST' });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return json({ error: 'Send the fault configuration as a JSON object.' }, 400);
    }
    try {
      faults = parseFaultConfig(body);
    } catch (err) {
      if (err instanceof FaultConfigError) return json({ error: err.message }, 400);
      throw err;
    }
    return json(faults);
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let path = url.pathname;
    if (basePath && (path === basePath || path.startsWith(`${basePath}/`)))
      path = path.slice(basePath.length) || '/';

    if (path === '/_sandbox/faults') return handleFaults(request);
    // What the sandbox believes the caller's IP is (IP-bound links depend on it).
    if (path === '/_sandbox/client-ip') return json({ ip: ctx.clientIp(request) });
    if (path === '/' || path === '') return html(indexPage(baseUrl, urls, faults, okepaySeed));

    let served = providers;
    const merchantPath = /^\/merchants\/([^/]+)(\/.*)?$/.exec(path);
    const merchant = merchantPath ? merchants.get(merchantPath[1]!) : undefined;
    if (merchantPath && merchant) {
      served = merchant.providers;
      path = merchantPath[2] ?? '/';
    }

    for (const [prefix, id] of PREFIXES) {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const rest = path.slice(prefix.length);
      if (isApiPath(rest)) {
        const injected = await injectFault(id, request, faults, random);
        if (injected) return injected;
      }
      return served[id].handle(request, rest);
    }
    return html(
      page(
        'Not found',
        `<h1>Not found</h1><p>The sandbox has nothing at <code>${escapeHtml(path)}</code>.</p>`,
      ),
      404,
    );
  }

  return {
    baseUrl,
    urls,
    merchants: Object.fromEntries([...merchants].map(([name, merchant]) => [name, { urls: merchant.urls }])),
    setFaults(next) {
      faults = parseFaultConfig(next);
    },
    getFaults: () => ({ ...faults }),
    async fetch(request) {
      try {
        return await route(request);
      } catch (err) {
        // Injected resets and caller aborts are transport events, not answers: let them reject.
        if (err instanceof SandboxConnectionReset || request.signal.aborted) throw err;
        return json({ error: 'The sandbox failed to handle this request.' }, 500);
      }
    },
  };
}

/**
 * The environment that points a Handoff backend at this sandbox with the demo credentials
 * (PEM values with real newlines; `loadConfig` also accepts them `\\n`-escaped).
 *
 * @example
 * const config = loadConfig(sandboxEnv(sandbox));
 */
export function sandboxEnv(sandbox: Pick<Sandbox, 'urls'>): Record<string, string> {
  return {
    HANDOFF_OKEPAY_INSTANCE: OKEPAY_DEMO.instance,
    HANDOFF_OKEPAY_SECRET: OKEPAY_DEMO.secret,
    HANDOFF_OKEPAY_API_BASE: sandbox.urls.okepayApiBase,
    HANDOFF_2CO_MERCHANT_CODE: TWOCHECKOUT_DEMO.merchantCode,
    HANDOFF_2CO_SECRET_KEY: TWOCHECKOUT_DEMO.secretKey,
    HANDOFF_2CO_API_URL: sandbox.urls.twocheckoutApiUrl,
    HANDOFF_PAYBIS_API_KEY: PAYBIS_DEMO.apiKey,
    HANDOFF_PAYBIS_PARTNER_ID: PAYBIS_DEMO.partnerId,
    HANDOFF_PAYBIS_PRIVATE_KEY: PAYBIS_DEMO.privateKeyPem.trim(),
    HANDOFF_PAYBIS_API_URL: sandbox.urls.paybisApiUrl,
    HANDOFF_PAYBIS_WIDGET_URL: sandbox.urls.paybisWidgetUrl,
  };
}

/**
 * The second merchant's connections, as `handoff connections set` and
 * `PUT /v1/accounts/{accountId}/connections/{provider}` take them (for a second account).
 */
export function secondMerchantConnections(sandbox: Pick<Sandbox, 'merchants'>): Record<string, object> {
  const urls = sandbox.merchants.second?.urls;
  if (!urls) throw new TypeError('This sandbox serves no "second" merchant.');
  return {
    okepay: { instance: OKEPAY_SECOND.instance, secret: OKEPAY_SECOND.secret, apiBase: urls.okepayApiBase },
    '2checkout': {
      merchantCode: TWOCHECKOUT_SECOND.merchantCode,
      secretKey: TWOCHECKOUT_SECOND.secretKey,
      apiUrl: urls.twocheckoutApiUrl,
    },
    paybis: {
      apiKey: PAYBIS_SECOND.apiKey,
      privateKeyPem: PAYBIS_SECOND.privateKeyPem,
      apiUrl: urls.paybisApiUrl,
      widgetUrl: urls.paybisWidgetUrl,
    },
  };
}

function urlsAt(base: string): SandboxUrls {
  return {
    okepayApiBase: `${base}/okepay/api`,
    twocheckoutApiUrl: `${base}/2checkout/api/rpc/6.0/`,
    paybisApiUrl: `${base}/paybis/api`,
    paybisWidgetUrl: `${base}/paybis/widget`,
  };
}

function normalizeBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`Sandbox baseUrl must be an absolute http(s) URL, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Sandbox baseUrl must be an http(s) URL, got "${value}".`);
  }
  if (url.search || url.hash) throw new TypeError('Sandbox baseUrl must not have a query or fragment.');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function indexPage(baseUrl: string, urls: Sandbox['urls'], faults: FaultConfig, okepay: OkePaySeed): string {
  const rows = [
    ['OkePay API base', urls.okepayApiBase],
    ['2Checkout JSON-RPC URL', urls.twocheckoutApiUrl],
    ['Paybis API URL', urls.paybisApiUrl],
    ['Paybis widget URL', urls.paybisWidgetUrl],
  ]
    .map(
      ([name, value]) =>
        `<tr><th scope="row">${escapeHtml(name!)}</th><td><code>${escapeHtml(value!)}</code></td></tr>`,
    )
    .join('\n');
  return page(
    'Handoff sandbox',
    `<h1>Handoff sandbox</h1>
<p>Simulated OkePay, 2Checkout and Paybis APIs and hosted pages at <code>${escapeHtml(baseUrl)}</code>.</p>
<table>
${rows}
</table>
<h2>Demo data</h2>
<p>OkePay instance <code>${escapeHtml(okepay.instance)}</code>, contacts ${okepay.contacts
      .map((c) => `<code>${escapeHtml(c.id)}</code> (${escapeHtml(`${c.firstName} ${c.lastName}`)})`)
      .join(', ')}.</p>
<h2>Faults</h2>
<p>Applied to provider APIs only. Read with <code>GET /_sandbox/faults</code>, change with <code>POST /_sandbox/faults</code>
(JSON: latencyMs, errorRate, errorStatus, malformedRate, resetRate, providers).</p>
<pre data-testid="sandbox-faults">${escapeHtml(JSON.stringify(faults, null, 2))}</pre>`,
  );
}
