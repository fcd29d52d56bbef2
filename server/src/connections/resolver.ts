import type { ProviderName } from '@handoff/core';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ClientOptions, ProviderDefinition } from '../providers/provider.ts';
import type { ProviderConnections, StoredConnection } from '../store/types.ts';
import {
  ENCRYPTION_KEY_VARIABLE,
  EncryptionKeyError,
  PREVIOUS_KEYS_VARIABLE,
  decryptSecret,
  type Keyring,
} from './encryption.ts';

/** A connection ready for use: its fields (secrets in clear, in memory only) and its client. */
export interface ResolvedConnection<Connection extends object = object, Client = unknown> {
  /** `environment` for the default account's connections from the environment. */
  id: string;
  version: number;
  source: 'environment' | 'database';
  connection: Connection;
  client: Client;
}

/** The provider cannot be used for this account: not configured, or its secrets cannot be read. */
export class ProviderNotConfiguredError extends ApiError {
  override name = 'ProviderNotConfiguredError';
  constructor(message: string) {
    super(503, 'provider_not_configured', message);
  }
}

export interface ConnectionResolver {
  /** The account's connection to `provider`, or null when it has none. Throws when it is unusable. */
  find<Connection extends object, Client>(
    provider: ProviderDefinition<Connection, Client>,
    accountId: string,
  ): Promise<ResolvedConnection<Connection, Client> | null>;
  /** The same, or a 503 `provider_not_configured` for this account. */
  resolve<Connection extends object, Client>(
    provider: ProviderDefinition<Connection, Client>,
    accountId: string,
  ): Promise<ResolvedConnection<Connection, Client>>;
  /** The providers the environment configures for the default account (read-only there). */
  readonly environmentProviders: ReadonlySet<ProviderName>;
}

export interface ConnectionResolverOptions {
  store: ProviderConnections;
  keyring: Keyring;
  logger: Logger;
  clientOptions: ClientOptions;
  /** The default account's connections from the environment, by provider id. */
  environment: Partial<Record<ProviderName, object>>;
  providers: readonly ProviderDefinition[];
}

/** The stored row's fields with its secrets decrypted; throws EncryptionKeyError naming the variable. */
export function openStoredConnection(keyring: Keyring, stored: StoredConnection): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...stored.settings };
  for (const [field, ciphertext] of Object.entries(stored.secrets)) {
    fields[field] = decryptSecret(keyring, ciphertext, {
      accountId: stored.accountId,
      provider: stored.provider,
      connectionId: stored.id,
      field,
    });
  }
  return fields;
}

/**
 * Finds the connection of the customer's account for each provider request: one indexed read,
 * then a client kept per connection id and version (with its login session cache and any other
 * per-credential state), so nothing is decrypted again until the connection changes. A changed or
 * removed connection is seen by every instance on its next request.
 */
export function createConnectionResolver(options: ConnectionResolverOptions): ConnectionResolver {
  const { store, keyring, logger, clientOptions } = options;
  const cache = new Map<string, ResolvedConnection>();
  /** Connections already reported unusable, so a broken one logs once per version, not per request. */
  const reported = new Set<string>();

  // The environment's clients are built now: a bad key there stops the app at start.
  const environment = new Map<ProviderName, ResolvedConnection>();
  for (const provider of options.providers) {
    const connection = options.environment[provider.id];
    if (!connection) continue;
    environment.set(provider.id, {
      id: 'environment',
      version: 0,
      source: 'environment',
      connection,
      client: provider.createClient(connection, clientOptions),
    });
  }

  function open(provider: ProviderDefinition, stored: StoredConnection): ResolvedConnection {
    const fields = openStoredConnection(keyring, stored);
    const parsed = provider.schema.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EncryptionKeyError(
        `the stored ${provider.displayName} connection is not valid (${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'})`,
      );
    }
    logger.redact?.(provider.secretFields.map((field) => String(fields[field] ?? '')));
    return {
      id: stored.id,
      version: stored.version,
      source: 'database',
      connection: parsed.data,
      client: provider.createClient(parsed.data, clientOptions),
    };
  }

  const resolver: ConnectionResolver = {
    environmentProviders: new Set(environment.keys()),

    async find<Connection extends object, Client>(
      provider: ProviderDefinition<Connection, Client>,
      accountId: string,
    ) {
      if (accountId === DEFAULT_ACCOUNT_ID) {
        const fromEnvironment = environment.get(provider.id);
        if (fromEnvironment) return fromEnvironment as ResolvedConnection<Connection, Client>;
      }
      const key = `${accountId}\u0000${provider.id}`;
      const stored = await store.get(accountId, provider.id);
      if (!stored) {
        cache.delete(key);
        return null;
      }
      const cached = cache.get(key);
      if (cached && cached.id === stored.id && cached.version === stored.version) {
        return cached as ResolvedConnection<Connection, Client>;
      }
      try {
        const resolved = open(provider as unknown as ProviderDefinition, stored);
        cache.set(key, resolved);
        return resolved as ResolvedConnection<Connection, Client>;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const version = `${stored.id}@${stored.version}`;
        if (!reported.has(version)) {
          reported.add(version);
          logger.error('provider connection unusable', { accountId, provider: provider.id, reason });
        }
        // The customer's browser reads this: the variable to check, not which account or key (those are logged).
        throw new ProviderNotConfiguredError(
          err instanceof EncryptionKeyError
            ? `${provider.displayName} cannot be used for this account: its stored secrets cannot be read with the configured keys (${ENCRYPTION_KEY_VARIABLE}, ${PREVIOUS_KEYS_VARIABLE}).`
            : `${provider.displayName} cannot be used for this account: its stored connection is not usable.`,
        );
      }
    },

    async resolve<Connection extends object, Client>(
      provider: ProviderDefinition<Connection, Client>,
      accountId: string,
    ) {
      const found = await resolver.find<Connection, Client>(provider, accountId);
      if (!found) {
        throw new ProviderNotConfiguredError(`${provider.displayName} is not configured for this account.`);
      }
      return found;
    },
  };
  return resolver;
}
