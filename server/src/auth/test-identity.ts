import { generateKeyPairSync } from 'node:crypto';
import { createHandoff } from '../app.ts';
import { loadConfig, type HandoffConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import type { Store } from '../store/types.ts';

/**
 * Test fixtures for the identity routes: API users with keys, logged-in sessions, customer
 * tokens, and an app over a given store.
 */

let paybisKey: string | undefined;
/** A config with every provider set (Paybis with a freshly generated RSA key). */
export function configWithProviders(env: Record<string, string> = {}): HandoffConfig {
  paybisKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return loadConfig({
    HANDOFF_OKEPAY_INSTANCE: 'demo',
    HANDOFF_OKEPAY_SECRET: 'okepay-test-secret',
    HANDOFF_2CO_MERCHANT_CODE: 'MERCH',
    HANDOFF_2CO_SECRET_KEY: 'twocheckout-test-secret',
    HANDOFF_PAYBIS_API_KEY: 'paybis-test-key',
    HANDOFF_PAYBIS_PARTNER_ID: 'partner-1',
    HANDOFF_PAYBIS_PRIVATE_KEY: paybisKey,
    HANDOFF_PAYBIS_WIDGET_URL: 'https://widget.paybis.test',
    HANDOFF_LOG_LEVEL: 'silent',
    ...env,
  });
}

export function testApp(store: Store, options: { config?: HandoffConfig; now?: () => Date } = {}) {
  return createHandoff({
    config: options.config ?? loadConfig({ HANDOFF_LOG_LEVEL: 'silent' }),
    store,
    logger: silentLogger,
    ...(options.now ? { now: options.now } : {}),
  });
}

export interface SeededUser {
  userId: number;
  email: string;
  keyId: string;
  secret: string;
}

/** An API user in `accountId` (created if missing) with `roles`, and one API key. */
export async function seedApiUser(
  store: Store,
  { email, accountId = 'default', roles }: { email: string; accountId?: string; roles: string[] },
): Promise<SeededUser> {
  if (!(await store.accounts.get(accountId))) await store.accounts.create({ id: accountId, name: accountId });
  const user =
    (await store.users.findByEmail(email)) ?? (await store.users.create({ email, createdBy: 'test' }));
  await store.users.addMembership(user.id, accountId, roles);
  const key = await store.apiKeys.create(user.id);
  return { userId: user.id, email, keyId: key.keyId, secret: key.secret };
}

type App = ReturnType<typeof testApp>;

export function postJson(
  app: App,
  path: string,
  body: unknown,
  token?: string,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** Logs in with the user's key; returns the session token. */
export async function login(app: App, user: SeededUser): Promise<string> {
  const res = await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
