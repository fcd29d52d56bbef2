import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { OkePayConfig } from '../../config.ts';
import { ProviderError } from '../../errors.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { parseProviderJson, providerRequest } from '../http.ts';
import { httpBuildQuery, type PhpQueryValue } from '../php-query.ts';

/**
 * OkePay (a white-label of Payrexx) AuthToken API: a one-time link that logs a subscription
 * contact into the instance's customer portal. Protocol: PROVIDERS.md §1.
 */

const PROVIDER = 'OkePay';

/** When the answer's expiry cannot be trusted, assume the link lives this long (short on purpose). */
export const OKEPAY_DEFAULT_LINK_TTL_MS = 5 * 60 * 1000;
/** An expiry further out than this is not believed either. */
const MAX_TRUSTED_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_CONTACT_ID = 2_147_483_647;

export interface OkePayClientOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  now?: () => Date;
  /** Counts each provider call (outcome, duration). */
  metrics?: Metrics;
}

export interface OkePayLoginLink {
  /** The portal login link (http or https). */
  url: string;
  /** ISO 8601 date-time after which the link should not be offered any more. */
  expiresAt: string;
}

export interface OkePayClient {
  createLoginLink(contactId: number): Promise<OkePayLoginLink>;
}

/** `base64(HMAC-SHA256(secret, http_build_query(params)))`, the `ApiSignature` of every request. */
export function signOkePay(secret: string, params: ReadonlyArray<readonly [string, PhpQueryValue]>): string {
  return createHmac('sha256', secret).update(httpBuildQuery(params)).digest('base64');
}

const ErrorBody = z.object({ status: z.literal('error'), message: z.string().optional() });
const SuccessBody = z.object({
  status: z.literal('success'),
  data: z
    .array(
      z.object({
        authToken: z.string().optional(),
        authTokenExpirationDate: z.unknown().optional(),
        link: z.string().min(1),
      }),
    )
    .min(1),
});

const NAIVE_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ZONED_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * The link's expiry, read leniently because the format is not documented. A date with a zone
 * (ISO 8601) or a Unix timestamp is used as given. A date without one (`2026-08-04 10:00:00`,
 * seen in the wild) could be in any zone, so it is read as UTC and never trusted beyond the
 * default lifetime. Anything unreadable, past, or implausibly far out gives now + default.
 */
export function parseOkePayExpiry(value: unknown, now: Date): string {
  const nowMs = now.getTime();
  const fallback = new Date(nowMs + OKEPAY_DEFAULT_LINK_TTL_MS).toISOString();
  let ms = Number.NaN;
  let capMs = nowMs + MAX_TRUSTED_TTL_MS;
  if (typeof value === 'string') {
    const text = value.trim();
    const naive = NAIVE_DATE.exec(text);
    if (naive) {
      const [, y, mo, d, h, mi, s] = naive.map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      ms = Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
      // Reject rollovers such as 2026-02-31.
      if (new Date(ms).getUTCDate() !== d) ms = Number.NaN;
      capMs = nowMs + OKEPAY_DEFAULT_LINK_TTL_MS;
    } else if (ZONED_DATE.test(text)) {
      ms = Date.parse(text);
    }
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    ms = value > 1e12 ? value : value * 1000;
  }
  if (!Number.isFinite(ms) || ms <= nowMs || ms > nowMs + MAX_TRUSTED_TTL_MS) return fallback;
  return new Date(Math.min(ms, capMs)).toISOString();
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * @example
 * const okepay = createOkePayClient(config.okepay, { fetch, timeoutMs: 10_000 });
 * const { url, expiresAt } = await okepay.createLoginLink(1001);
 */
export function createOkePayClient(config: OkePayConfig, options: OkePayClientOptions): OkePayClient {
  if (!config.instance || !config.secret)
    throw new TypeError('OkePay client: instance and secret are required.');
  const endpoint = new URL(`${config.apiBase.replace(/\/+$/, '')}/v1.0/AuthToken/`);
  endpoint.searchParams.set('instance', config.instance);
  const now = options.now ?? (() => new Date());
  const http = {
    provider: PROVIDER,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    metrics: options.metrics,
  };

  return {
    async createLoginLink(contactId) {
      if (!Number.isSafeInteger(contactId) || contactId <= 0 || contactId > MAX_CONTACT_ID) {
        throw new TypeError(`OkePay contact id must be a positive 32-bit integer, got ${contactId}.`);
      }
      // Only `userId` is sent and signed, as in the API documentation's own request. The PHP SDK
      // adds `model=AuthToken` (and repeats `instance`), but that is the SDK's routing detail:
      // the documented contract is the minimal body, and the signature covers exactly what is sent.
      const params = [['userId', contactId]] as const;
      const body = `${httpBuildQuery(params)}&ApiSignature=${encodeURIComponent(signOkePay(config.secret, params))}`;

      const res = await providerRequest(http, endpoint.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });

      const ok = res.status >= 200 && res.status < 300;
      let json: unknown;
      if (ok) {
        json = parseProviderJson(PROVIDER, res.text);
      } else {
        try {
          json = JSON.parse(res.text) as unknown;
        } catch {
          throw new ProviderError(PROVIDER, `answered HTTP ${res.status}`);
        }
      }

      const refusal = ErrorBody.safeParse(json);
      if (refusal.success)
        throw new ProviderError(
          PROVIDER,
          refusal.data.message?.trim().slice(0, 300) || `refused the request (HTTP ${res.status})`,
        );
      if (!ok) throw new ProviderError(PROVIDER, `answered HTTP ${res.status}`);

      const parsed = SuccessBody.safeParse(json);
      if (!parsed.success) throw new ProviderError(PROVIDER, 'answered without a login link');
      const entry = parsed.data.data[0]!;
      if (!isHttpUrl(entry.link))
        throw new ProviderError(PROVIDER, 'answered with a link that is not an http(s) URL');
      return { url: entry.link, expiresAt: parseOkePayExpiry(entry.authTokenExpirationDate, now()) };
    },
  };
}
