import type { ProviderName } from '@handoff/core';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { withSecretFiles } from './config/secret-files.ts';
import { environmentConnections, loadKeyring } from './connections/environment.ts';
import type { Keyring } from './connections/encryption.ts';
import type { OkePayConnection } from './providers/okepay/connection.ts';
import type { PaybisConnection } from './providers/paybis/connection.ts';
import type { TwoCheckoutConnection } from './providers/twocheckout/connection.ts';
import { WEBHOOK_TOKEN_SHAPE } from './webhooks/token.ts';

export { ConfigError };

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
  HANDOFF_WEBHOOK_TOKEN: optionalString,

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
  HANDOFF_QUOTA_CUSTOMER_PER_MINUTE: positiveInt(20, 1_000_000),
  HANDOFF_QUOTA_ACCOUNT_PER_MINUTE: positiveInt(600, 1_000_000),
  HANDOFF_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  HANDOFF_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 300_000),

  HANDOFF_METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  HANDOFF_METRICS_PORT: optionalPort,
  HANDOFF_METRICS_HOST: stringOr('127.0.0.1'),
});

export type { OkePayConnection as OkePayConfig } from './providers/okepay/connection.ts';
export type { TwoCheckoutConnection as TwoCheckoutConfig } from './providers/twocheckout/connection.ts';
export type { PaybisConnection as PaybisConfig } from './providers/paybis/connection.ts';

export interface HandoffConfig {
  /**
   * The default account's connections from the environment, by provider id (every provider of the
   * registry). `okepay`, `twocheckout` and `paybis` below are the same objects, typed.
   */
  connections: Partial<Record<ProviderName, object>>;
  /** The default account's connections, from the environment (null: not configured there). */
  okepay: OkePayConnection | null;
  twocheckout: TwoCheckoutConnection | null;
  paybis: PaybisConnection | null;
  /** Encrypts connection secrets stored in the database (HANDOFF_ENCRYPTION_KEY and previous keys). */
  encryption: Keyring;
  /**
   * The default account's webhook token from the environment (`/v1/webhooks/{provider}/{token}`),
   * next to the tokens stored per connection; null: none.
   */
  webhookToken: string | null;
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
  /**
   * Provider links, tokens and customer sessions minted per minute at most: per customer token
   * (or embedded customer) and per account.
   */
  mintingQuota: { perCustomerPerMinute: number; perAccountPerMinute: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How long requests in flight may take to finish after SIGTERM before they are cut. */
  shutdownTimeoutMs: number;
  /**
   * `GET /metrics`: on the main port only with `token` as bearer; on `port` (bound to `host`)
   * without one. Neither set: no metrics endpoint.
   */
  metrics: { token: string | null; port: number | null; host: string };
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
  const resolved = withSecretFiles(env, problems);
  const e = parseEnv(resolved, problems);

  const connections = environmentConnections(resolved, problems);
  const encryption = loadKeyring(resolved, problems);

  const webhookToken = e.HANDOFF_WEBHOOK_TOKEN ?? null;
  if (webhookToken !== null && !WEBHOOK_TOKEN_SHAPE.test(webhookToken)) {
    problems.push(
      'HANDOFF_WEBHOOK_TOKEN: must be 32 to 128 letters, digits, "-" or "_" (e.g. `openssl rand -hex 32`)',
    );
  }

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
    connections,
    okepay: (connections.okepay as OkePayConnection | undefined) ?? null,
    twocheckout: (connections['2checkout'] as TwoCheckoutConnection | undefined) ?? null,
    paybis: (connections.paybis as PaybisConnection | undefined) ?? null,
    encryption,
    webhookToken,
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
    mintingQuota: {
      perCustomerPerMinute: e.HANDOFF_QUOTA_CUSTOMER_PER_MINUTE,
      perAccountPerMinute: e.HANDOFF_QUOTA_ACCOUNT_PER_MINUTE,
    },
    logLevel: e.HANDOFF_LOG_LEVEL,
    shutdownTimeoutMs: e.HANDOFF_SHUTDOWN_TIMEOUT_MS,
    metrics: {
      token: e.HANDOFF_METRICS_TOKEN ?? null,
      port: e.HANDOFF_METRICS_PORT ?? null,
      host: e.HANDOFF_METRICS_HOST,
    },
  };
}
export { readPem } from './connections/environment.ts';
