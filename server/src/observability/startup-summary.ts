import { readFileSync } from 'node:fs';
import type { HandoffConfig } from '../config.ts';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { ProviderConnections } from '../store/types.ts';

/** The providers the environment configures, which belong to the default account. */
export function environmentProviders(config: Pick<HandoffConfig, 'connections'>): Record<string, string[]> {
  const providers = Object.keys(config.connections);
  return providers.length > 0 ? { [DEFAULT_ACCOUNT_ID]: providers } : {};
}

/**
 * Every account's configured providers: the environment's (default account) and the stored
 * connections, each provider named once per account, in a stable order.
 */
export async function configuredProviders(
  config: HandoffConfig,
  connections: Pick<ProviderConnections, 'list'>,
): Promise<Record<string, string[]>> {
  const byAccount = new Map<string, Set<string>>();
  const add = (accountId: string, provider: string) => {
    let providers = byAccount.get(accountId);
    if (!providers) byAccount.set(accountId, (providers = new Set()));
    providers.add(provider);
  };
  for (const [accountId, providers] of Object.entries(environmentProviders(config)))
    for (const provider of providers) add(accountId, provider);
  for (const connection of await connections.list()) add(connection.accountId, connection.provider);
  return Object.fromEntries(
    [...byAccount.keys()].sort().map((accountId) => [accountId, [...byAccount.get(accountId)!].sort()]),
  );
}

/**
 * The version of @handoff/server: from the nearest package.json of that name above this module,
 * which holds from the sources, the compiled library and the bundled command alike.
 */
export function serverVersion(moduleUrl: string = import.meta.url): string {
  let directory = new URL('.', moduleUrl);
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', directory), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === '@handoff/server' && typeof manifest.version === 'string')
        return manifest.version;
    } catch {
      // No readable package.json here: look further up.
    }
    const parent = new URL('..', directory);
    if (parent.href === directory.href) return 'unknown';
    directory = parent;
  }
}

export interface StartupSummary {
  version: string;
  url: string;
  database: HandoffConfig['database']['kind'];
  /** Account id → the providers configured for it; accounts with none are left out. */
  providers: Record<string, readonly string[]>;
  metricsUrl?: string;
}

/**
 * One line at start with what an operator checks first: version, address, database engine and
 * which providers serve which accounts. Logged as a warning when no provider is configured,
 * since every provider route then answers 503.
 */
export function logStartupSummary(logger: Logger, summary: StartupSummary): void {
  if (Object.keys(summary.providers).length > 0) {
    logger.info('listening', { ...summary });
    return;
  }
  logger.warn('listening', {
    ...summary,
    warning:
      'No provider is configured: every provider route answers 503. Set HANDOFF_OKEPAY_*, HANDOFF_2CO_* or HANDOFF_PAYBIS_* (README, Configuration).',
  });
}
