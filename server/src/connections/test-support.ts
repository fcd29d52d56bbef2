import { randomBytes } from 'node:crypto';
import { createSandbox, type Sandbox } from '@handoff/sandbox';
import { createHandoff } from '../app.ts';
import { seedApiUser, login, type SeededUser } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import type { IdentifyCustomer } from '../context.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';

/** Fixtures for the connection tests: an encryption key, a sandbox with two merchants, an app. */

export const newKey = () => randomBytes(32).toString('base64');

export function twoMerchantSandbox(): Sandbox {
  return createSandbox({ baseUrl: 'http://sandbox.test' });
}

export interface AppOptions {
  env?: Record<string, string | undefined>;
  identify?: IdentifyCustomer;
  logger?: Logger;
  fetch?: typeof fetch;
}

export function connectionsApp(store: Store, options: AppOptions = {}) {
  return createHandoff({
    config: loadConfig({ HANDOFF_LOG_LEVEL: 'silent', ...options.env }),
    store,
    logger: options.logger ?? silentLogger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.identify ? { identify: options.identify } : {}),
  });
}

type App = ReturnType<typeof connectionsApp>;

export function request(app: App, method: string, path: string, token: string, body?: unknown) {
  return app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** An API user with `roles` in `accountId`, logged in: its session token. */
export async function sessionFor(
  app: App,
  store: Store,
  who: { email: string; accountId: string; roles: string[] },
): Promise<{ token: string; user: SeededUser }> {
  const user = await seedApiUser(store, who);
  return { token: await login(app, user), user };
}
