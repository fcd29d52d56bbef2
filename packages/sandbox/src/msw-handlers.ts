import { http, HttpResponse, type HttpHandler } from 'msw';
import { SandboxConnectionReset } from './http.ts';
import type { Sandbox } from './index.ts';

/** Real OkePay API hosts: okepay.info and the other white-label domains speaking the same protocol. */
export const OKEPAY_API_HOSTS = [
  'https://api.okepay.info',
  'https://api.payrexx.com',
  'https://api.zahls.ch',
  'https://api.pay-link.eu',
  'https://api.ipaybw.com',
] as const;

export interface SandboxHandlerOptions {
  /** Also route requests for the sandbox's own baseUrl to it (default true). */
  includeBaseUrl?: boolean;
  /** Extra `[real origin, sandbox path prefix]` pairs, e.g. a custom OkePay domain. */
  extraHosts?: ReadonlyArray<readonly [origin: string, prefix: string]>;
}

/** Real host → sandbox path prefix. */
function hostMap(options: SandboxHandlerOptions): Array<readonly [string, string]> {
  return [
    ...OKEPAY_API_HOSTS.map((origin) => [origin, '/okepay/api'] as const),
    ['https://api.2checkout.com', '/2checkout/api'],
    ['https://widget-api.paybis.com', '/paybis/api'],
    ['https://widget-api.sandbox.paybis.com', '/paybis/api'],
    ['https://widget.paybis.com', '/paybis/widget'],
    ['https://widget.sandbox.paybis.com', '/paybis/widget'],
    ...(options.extraHosts ?? []),
  ];
}

/** Copies a request onto a new URL, keeping method, headers, body and signal. */
async function retarget(request: Request, url: string): Promise<Request> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(url, {
    method: request.method,
    headers: request.headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    signal: request.signal,
    redirect: 'manual',
  });
}

async function answer(sandbox: Sandbox, request: Request): Promise<Response> {
  try {
    return await sandbox.fetch(request);
  } catch (err) {
    // An injected reset becomes a network error: the caller's fetch rejects, as with a dropped socket.
    if (err instanceof SandboxConnectionReset) return HttpResponse.error();
    throw err;
  }
}

/**
 * MSW handlers that send requests for the real provider hosts (and the sandbox's own baseUrl)
 * to the sandbox. The same handlers serve `setupServer` in Node and `setupWorker` in a browser.
 *
 * @example
 * const server = setupServer(...sandboxHandlers(createSandbox()));
 */
export function sandboxHandlers(sandbox: Sandbox, options: SandboxHandlerOptions = {}): HttpHandler[] {
  const handlers = hostMap(options).map(([origin, prefix]) =>
    http.all(`${origin}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const target = `${sandbox.baseUrl}${prefix}${url.pathname}${url.search}`;
      return answer(sandbox, await retarget(request, target));
    }),
  );
  if (options.includeBaseUrl !== false) {
    handlers.push(http.all(`${sandbox.baseUrl}/*`, ({ request }) => answer(sandbox, request)));
  }
  return handlers;
}
