import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { withSecretFiles } from './config/secret-files.ts';

/**
 * Configuration from the environment, validated once at start. Every problem is reported
 * together, by variable name, so an operator can fix them in one go.
 */

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** A value with a default; set but empty counts as unset, like an empty optional value. */
const stringOr = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((s) => (s === '' ? fallback : s));

const url = (fallback: string) =>
  stringOr(fallback).pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** A port, 0 for any free one; unset or empty: none. */
const optionalPort = optionalString
  .transform((s) => (s === undefined ? undefined : Number(s)))
  .pipe(z.number({ error: 'must be a port number' }).int().min(0).max(65535).optional());

const EnvSchema = z.object({
  HANDOFF_OKEPAY_INSTANCE: optionalString,
  HANDOFF_OKEPAY_SECRET: optionalString,
  HANDOFF_OKEPAY_API_BASE: url('https://api.okepay.info'),

  HANDOFF_2CO_MERCHANT_CODE: optionalString,
  HANDOFF_2CO_SECRET_KEY: optionalString,
  HANDOFF_2CO_HASH_ALGO: z.enum(['md5', 'sha256', 'sha3-256']).default('md5'),
  HANDOFF_2CO_API_URL: url('https://api.2checkout.com/rpc/6.0/'),
  HANDOFF_2CO_BIND_IP: bool,

  HANDOFF_PAYBIS_API_KEY: optionalString,
  HANDOFF_PAYBIS_PARTNER_ID: optionalString,
  HANDOFF_PAYBIS_PRIVATE_KEY: optionalString,
  HANDOFF_PAYBIS_API_URL: url('https://widget-api.paybis.com'),
  HANDOFF_PAYBIS_WIDGET_URL: url('https://widget.paybis.com'),

  // Empty must not reach SQLite (an anonymous temporary database) or the listener (every interface).
  HANDOFF_DB: stringOr('./handoff.db'),
  DATABASE_URL: optionalString,
  HANDOFF_PG_SCHEMA: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case identifier (letters, digits, _)')
      .optional(),
  ),
  HANDOFF_PG_POOL_SIZE: positiveInt(10, 1000),

  HANDOFF_HOST: stringOr('127.0.0.1'),
  PORT: positiveInt(8787, 65535),
  HANDOFF_CORS_ORIGINS: optionalString,
  HANDOFF_TRUST_PROXY: bool,
  HANDOFF_PROVIDER_TIMEOUT_MS: positiveInt(10_000, 120_000),
  HANDOFF_SESSION_TTL: positiveInt(3600, 30 * 24 * 3600),
  HANDOFF_CUSTOMER_SESSION_TTL: positiveInt(900, 24 * 3600),
  HANDOFF_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  HANDOFF_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 300_000),

  HANDOFF_METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  HANDOFF_METRICS_PORT: optionalPort,
  HANDOFF_METRICS_HOST: stringOr('127.0.0.1'),
});

export interface OkePayConfig {
  instance: string;
  secret: string;
  apiBase: string;
}

export interface TwoCheckoutConfig {
  merchantCode: string;
  secretKey: string;
  hashAlgo: 'md5' | 'sha256' | 'sha3-256';
  apiUrl: string;
  bindIp: boolean;
}

export interface PaybisConfig {
  apiKey: string;
  partnerId: string;
  /** PEM text of the partner's RSA private key (PKCS#8 or PKCS#1). */
  privateKeyPem: string;
  apiUrl: string;
  widgetUrl: string;
}

export interface HandoffConfig {
  okepay: OkePayConfig | null;
  twocheckout: TwoCheckoutConfig | null;
  paybis: PaybisConfig | null;
  database:
    | { kind: 'sqlite'; path: string }
    | {
        kind: 'postgres';
        url: string;
        /** Schema to work in (created if missing); default: the server's search_path. */
        schema?: string;
        maxConnections: number;
      };
  host: string;
  port: number;
  /** Origins allowed to call the customer routes from a browser; empty: same origin only. */
  corsOrigins: string[];
  /** Read the client IP from X-Forwarded-For (only behind a proxy you control). */
  trustProxy: boolean;
  providerTimeoutMs: number;
  sessionTtlSeconds: number;
  customerSessionTtlSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How long requests in flight may take to finish after SIGTERM before they are cut. */
  shutdownTimeoutMs: number;
  /**
   * `GET /metrics`: on the main port only with `token` as bearer; on `port` (bound to `host`)
   * without one. Neither set: no metrics endpoint.
   */
  metrics: { token: string | null; port: number | null; host: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** All-or-nothing groups: a provider is enabled when its required variables are all set. */
function group<T>(
  problems: string[],
  name: string,
  values: Record<string, string | undefined>,
  build: (v: Record<string, string>) => T,
): T | null {
  const set = Object.entries(values).filter(([, v]) => v !== undefined);
  if (set.length === 0) return null;
  const missing = Object.keys(values).filter((k) => values[k] === undefined);
  if (missing.length > 0) {
    problems.push(
      `${name} is half configured: set ${missing.join(', ')} too (or unset ${set.map(([k]) => k).join(', ')})`,
    );
    return null;
  }
  return build(values as Record<string, string>);
}

/** A PEM value may be given inline (with real or `\n`-escaped newlines) or as a file path. */
export function readPem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed.replace(/\\n/g, '\n');
  return readFileSync(trimmed, 'utf8').trim();
}

/**
 * An origin as a browser sends it in `Origin` (lower-case host, no default port, punycode), or
 * null when `value` is more or other than an http(s) origin. CORS compares origins as exact
 * strings, so `https://App.example.com:443` must become `https://app.example.com` to ever match.
 */
function browserOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const onlyOrigin =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    !/[?#]/.test(value) &&
    !url.hostname.includes('*');
  return onlyOrigin ? url.origin : null;
}

type Env = z.infer<typeof EnvSchema>;

/**
 * Each variable on its own, so that a wrong type in one does not hide a half-configured provider
 * or an unreadable file elsewhere: every problem is reported together.
 */
function parseEnv(env: Record<string, string | undefined>, problems: string[]): Env {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(EnvSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(env[name]);
    if (result.success) values[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${name}: ${issue.message}`));
  }
  return values as Env;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): HandoffConfig {
  const problems: string[] = [];
  const e = parseEnv(withSecretFiles(env, problems), problems);

  const okepay = group(
    problems,
    'OkePay',
    { HANDOFF_OKEPAY_INSTANCE: e.HANDOFF_OKEPAY_INSTANCE, HANDOFF_OKEPAY_SECRET: e.HANDOFF_OKEPAY_SECRET },
    (v) => {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(v.HANDOFF_OKEPAY_INSTANCE!)) {
        problems.push('HANDOFF_OKEPAY_INSTANCE: must be the instance name (letters, digits, dashes)');
      }
      return {
        instance: v.HANDOFF_OKEPAY_INSTANCE!,
        secret: v.HANDOFF_OKEPAY_SECRET!,
        apiBase: e.HANDOFF_OKEPAY_API_BASE.replace(/\/+$/, ''),
      };
    },
  );

  const twocheckout = group(
    problems,
    '2Checkout',
    {
      HANDOFF_2CO_MERCHANT_CODE: e.HANDOFF_2CO_MERCHANT_CODE,
      HANDOFF_2CO_SECRET_KEY: e.HANDOFF_2CO_SECRET_KEY,
    },
    (v) => ({
      merchantCode: v.HANDOFF_2CO_MERCHANT_CODE!,
      secretKey: v.HANDOFF_2CO_SECRET_KEY!,
      hashAlgo: e.HANDOFF_2CO_HASH_ALGO,
      apiUrl: e.HANDOFF_2CO_API_URL,
      bindIp: e.HANDOFF_2CO_BIND_IP,
    }),
  );

  const paybis = group(
    problems,
    'Paybis',
    {
      HANDOFF_PAYBIS_API_KEY: e.HANDOFF_PAYBIS_API_KEY,
      HANDOFF_PAYBIS_PARTNER_ID: e.HANDOFF_PAYBIS_PARTNER_ID,
      HANDOFF_PAYBIS_PRIVATE_KEY: e.HANDOFF_PAYBIS_PRIVATE_KEY,
    },
    (v) => {
      let privateKeyPem = '';
      try {
        privateKeyPem = readPem(v.HANDOFF_PAYBIS_PRIVATE_KEY!);
      } catch {
        problems.push('HANDOFF_PAYBIS_PRIVATE_KEY: neither PEM text nor a readable file');
      }
      return {
        apiKey: v.HANDOFF_PAYBIS_API_KEY!,
        partnerId: v.HANDOFF_PAYBIS_PARTNER_ID!,
        privateKeyPem,
        apiUrl: e.HANDOFF_PAYBIS_API_URL.replace(/\/+$/, ''),
        widgetUrl: e.HANDOFF_PAYBIS_WIDGET_URL.replace(/\/+$/, ''),
      };
    },
  );

  const corsOrigins: string[] = [];
  for (const value of (e.HANDOFF_CORS_ORIGINS ?? '').split(',').map((s) => s.trim())) {
    if (value === '') continue;
    const origin = browserOrigin(value);
    if (origin === null) {
      problems.push(
        `HANDOFF_CORS_ORIGINS: "${value}" is not an origin like https://app.example.com ` +
          '(http or https, a host and an optional port; no path, query, user or wildcard)',
      );
    } else if (!corsOrigins.includes(origin)) {
      corsOrigins.push(origin);
    }
  }

  if (e.HANDOFF_PG_SCHEMA !== undefined && e.DATABASE_URL === undefined) {
    problems.push('HANDOFF_PG_SCHEMA: applies to PostgreSQL only; set DATABASE_URL too (or unset it)');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    okepay,
    twocheckout,
    paybis,
    database: e.DATABASE_URL
      ? {
          kind: 'postgres',
          url: e.DATABASE_URL,
          ...(e.HANDOFF_PG_SCHEMA !== undefined ? { schema: e.HANDOFF_PG_SCHEMA } : {}),
          maxConnections: e.HANDOFF_PG_POOL_SIZE,
        }
      : { kind: 'sqlite', path: e.HANDOFF_DB },
    host: e.HANDOFF_HOST,
    port: e.PORT,
    corsOrigins,
    trustProxy: e.HANDOFF_TRUST_PROXY,
    providerTimeoutMs: e.HANDOFF_PROVIDER_TIMEOUT_MS,
    sessionTtlSeconds: e.HANDOFF_SESSION_TTL,
    customerSessionTtlSeconds: e.HANDOFF_CUSTOMER_SESSION_TTL,
    logLevel: e.HANDOFF_LOG_LEVEL,
    shutdownTimeoutMs: e.HANDOFF_SHUTDOWN_TIMEOUT_MS,
    metrics: {
      token: e.HANDOFF_METRICS_TOKEN ?? null,
      port: e.HANDOFF_METRICS_PORT ?? null,
      host: e.HANDOFF_METRICS_HOST,
    },
  };
}
