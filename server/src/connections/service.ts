import { randomUUID } from 'node:crypto';
import type { ProviderName } from '@handoff/core';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { ConnectionFieldError, type ProviderDefinition } from '../providers/provider.ts';
import { PROVIDERS, providerById } from '../providers/registry.ts';
import type { ProviderConnections, StoredConnection, WebhookEndpoints } from '../store/types.ts';
import {
  ENCRYPTION_KEY_VARIABLE,
  EncryptionKeyError,
  encryptSecret,
  fingerprint,
  keyIdOf,
  type Keyring,
} from './encryption.ts';
import { openStoredConnection } from './resolver.ts';

/**
 * Setting, reading and removing connections, for the API and the CLI alike: validation by the
 * provider's schema, secrets sealed one by one, write-only secrets (only whether each is set and
 * a fingerprint are shown), and key rotation.
 */

/** What anyone may see of a connection: never a secret. */
export interface ConnectionView {
  provider: ProviderName;
  accountId: string;
  /** `environment`: the default account's connection from HANDOFF_* variables (read-only). */
  source: 'environment' | 'database';
  /** Each secret field: whether it is set and a short fingerprint (null without an encryption key). */
  secrets: Record<string, { set: boolean; fingerprint: string | null }>;
  settings: Record<string, unknown>;
  version: number | null;
  updatedAt: string | null;
}

export interface ConnectionContext {
  store: ProviderConnections;
  /** A removed connection's webhook URL goes with it, so setting it again never revives the old one. */
  webhookEndpoints?: Pick<WebhookEndpoints, 'remove'>;
  keyring: Keyring;
  /** The default account's connections from the environment, by provider id. */
  environment: Partial<Record<string, object>>;
}

/** The provider for a path or option value; 404 for one the server does not know. */
export function providerNamed(id: string): ProviderDefinition {
  const provider = providerById(id);
  if (!provider) {
    throw notFound(`Unknown provider "${id}": use one of ${PROVIDERS.map((p) => p.id).join(', ')}.`);
  }
  return provider;
}

function view(
  provider: ProviderDefinition,
  accountId: string,
  fields: Record<string, unknown>,
  keyring: Keyring,
  meta: { source: ConnectionView['source']; version: number | null; updatedAt: string | null },
): ConnectionView {
  const secretFields = provider.secretFields as readonly string[];
  const secrets: ConnectionView['secrets'] = {};
  for (const field of secretFields) {
    const value = fields[field];
    secrets[field] =
      typeof value === 'string' && value !== ''
        ? { set: true, fingerprint: fingerprint(keyring, value) }
        : { set: false, fingerprint: null };
  }
  const settings = Object.fromEntries(
    Object.entries(fields).filter(([field]) => !secretFields.includes(field)),
  );
  return { provider: provider.id, accountId, secrets, settings, ...meta };
}

/** Opens a stored row for viewing; an unreadable one is a 503 naming the variable. */
function openForView(context: ConnectionContext, stored: StoredConnection): Record<string, unknown> {
  try {
    return openStoredConnection(context.keyring, stored);
  } catch (err) {
    if (err instanceof EncryptionKeyError)
      throw new ApiError(503, 'provider_not_configured', `${err.message}.`);
    throw err;
  }
}

export async function getConnection(
  context: ConnectionContext,
  accountId: string,
  provider: ProviderDefinition,
): Promise<ConnectionView | null> {
  const fromEnvironment = accountId === DEFAULT_ACCOUNT_ID ? context.environment[provider.id] : undefined;
  if (fromEnvironment) {
    return view(provider, accountId, fromEnvironment as Record<string, unknown>, context.keyring, {
      source: 'environment',
      version: null,
      updatedAt: null,
    });
  }
  const stored = await context.store.get(accountId, provider.id);
  if (!stored) return null;
  return view(provider, accountId, openForView(context, stored), context.keyring, {
    source: 'database',
    version: stored.version,
    updatedAt: stored.updatedAt,
  });
}

export async function listConnections(
  context: ConnectionContext,
  accountId: string,
): Promise<ConnectionView[]> {
  const views: ConnectionView[] = [];
  for (const provider of PROVIDERS) {
    const found = await getConnection(context, accountId, provider);
    if (found) views.push(found);
  }
  return views;
}

function environmentConflict(provider: ProviderDefinition): ApiError {
  const variables = Object.values(provider.environment.variables as Record<string, { name: string }>)
    .map((v) => v.name)
    .filter((name, i) => i < 2);
  return new ApiError(
    409,
    'conflict',
    `The default account's ${provider.displayName} connection comes from the environment (${variables.join(', ')}); change it there, or unset those variables to manage it here.`,
  );
}

/**
 * Sets the account's connection to `provider` from `input` (a JSON object, field names as in the
 * README). Settings are replaced as given; a secret field left out keeps its stored value.
 * Returns the new view and the names of the fields that were given (for the audit log).
 */
export async function setConnection(
  context: ConnectionContext,
  accountId: string,
  provider: ProviderDefinition,
  input: unknown,
): Promise<{ view: ConnectionView; fields: string[] }> {
  if (accountId === DEFAULT_ACCOUNT_ID && context.environment[provider.id])
    throw environmentConflict(provider);
  if (!context.keyring.current) {
    throw new ApiError(
      503,
      'provider_not_configured',
      `${ENCRYPTION_KEY_VARIABLE} is not set: it is needed to store provider secrets (make one with "openssl rand -base64 32").`,
    );
  }
  const given = provider.updateSchema.safeParse(input);
  if (!given.success) throw fieldError(given.error.issues);
  const givenFields = Object.keys(input as Record<string, unknown>).sort();

  // Compare-and-set on the row's version: a concurrent change makes this read again and retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await context.store.get(accountId, provider.id);
    const kept: Record<string, unknown> = {};
    if (existing) {
      const opened = openForView(context, existing);
      for (const field of provider.secretFields as readonly string[]) kept[field] = opened[field];
    }
    const merged = { ...kept, ...(given.data as Record<string, unknown>) };
    const complete = provider.schema.safeParse(merged);
    if (!complete.success) throw fieldError(complete.error.issues);
    const connection = complete.data as Record<string, unknown>;
    try {
      provider.validate?.(connection);
    } catch (err) {
      if (err instanceof ConnectionFieldError) throw badRequest(err.message);
      throw err;
    }

    const id = existing?.id ?? randomUUID();
    const secrets: Record<string, string> = {};
    const settings: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(connection)) {
      if ((provider.secretFields as readonly string[]).includes(field)) {
        if (typeof value === 'string') {
          secrets[field] = encryptSecret(context.keyring, value, {
            accountId,
            provider: provider.id,
            connectionId: id,
            field,
          });
        }
      } else if (value !== undefined) {
        settings[field] = value;
      }
    }
    const saved = await context.store.save({
      id,
      accountId,
      provider: provider.id,
      settings,
      secrets,
      expectedVersion: existing?.version ?? null,
    });
    if (saved) {
      return {
        view: view(provider, accountId, connection, context.keyring, {
          source: 'database',
          version: saved.version,
          updatedAt: saved.updatedAt,
        }),
        fields: givenFields,
      };
    }
  }
  throw new ApiError(409, 'conflict', 'The connection changed several times meanwhile; try again.');
}

/** Removes the account's stored connection; false when there was none. */
export async function removeConnection(
  context: ConnectionContext,
  accountId: string,
  provider: ProviderDefinition,
): Promise<boolean> {
  if (accountId === DEFAULT_ACCOUNT_ID && context.environment[provider.id])
    throw environmentConflict(provider);
  const removed = await context.store.remove(accountId, provider.id);
  if (removed) await context.webhookEndpoints?.remove(accountId, provider.id);
  return removed;
}

function fieldError(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code?: string }>,
): ApiError {
  const issue = issues[0];
  if (!issue) return badRequest('Invalid connection.');
  if (issue.code === 'unrecognized_keys') return badRequest(issue.message);
  const field = issue.path.map(String).join('.');
  return badRequest(field ? `${field}: ${issue.message}` : issue.message);
}

export interface RotationResult {
  /** Secrets sealed again under the current key. */
  rotated: number;
  /** Connections looked at. */
  connections: number;
}

/**
 * Seals every stored secret that is not yet under the current key again under it. Safe to run
 * again and to stop half-way: each connection is rewritten on its own, only while unchanged
 * (a concurrent change is read again), and what is done is not done twice.
 */
export async function rotateKey(
  context: Pick<ConnectionContext, 'store' | 'keyring'>,
): Promise<RotationResult> {
  const current = context.keyring.current;
  if (!current) {
    throw new EncryptionKeyError(
      `${ENCRYPTION_KEY_VARIABLE} is not set: set the new key (and the old one in HANDOFF_ENCRYPTION_KEY_PREVIOUS)`,
    );
  }
  let rotated = 0;
  const all = await context.store.list();
  for (const listed of all) {
    let stored: StoredConnection | null = listed;
    for (let attempt = 0; stored && attempt < 5; attempt++) {
      const stale = Object.entries(stored.secrets).filter(([, text]) => keyIdOf(text) !== current.id);
      if (stale.length === 0) break;
      const opened = openStoredConnection(context.keyring, stored);
      const secrets = { ...stored.secrets };
      for (const [field] of stale) {
        secrets[field] = encryptSecret(context.keyring, String(opened[field]), {
          accountId: stored.accountId,
          provider: stored.provider,
          connectionId: stored.id,
          field,
        });
      }
      if (await context.store.replaceCiphertexts(stored.id, stored.version, secrets)) {
        rotated += stale.length;
        break;
      }
      stored = await context.store.get(stored.accountId, stored.provider);
    }
  }
  return { rotated, connections: all.length };
}

/**
 * What stops stored connections from working with the configured keys, one message per problem,
 * each naming the variable to fix. Checked at start, so an operator hears of it at once rather
 * than from the first customer; the backend still serves everything else.
 */
export async function storedConnectionProblems(
  context: Pick<ConnectionContext, 'store' | 'keyring'>,
): Promise<string[]> {
  const stored = await context.store.list();
  if (stored.length === 0) return [];
  const known = new Set([context.keyring.current, ...context.keyring.previous].map((key) => key?.id));
  const unknown = new Map<string, string[]>();
  for (const connection of stored) {
    for (const ciphertext of Object.values(connection.secrets)) {
      const keyId = keyIdOf(ciphertext) ?? 'unreadable';
      if (known.has(keyId)) continue;
      const where = `${connection.accountId}/${connection.provider}`;
      unknown.set(keyId, [...new Set([...(unknown.get(keyId) ?? []), where])]);
    }
  }
  if (unknown.size === 0) return [];
  if (!context.keyring.current) {
    return [
      `${ENCRYPTION_KEY_VARIABLE} is not set, but ${stored.length} provider connection(s) are stored encrypted: those accounts answer 503 until it is set`,
    ];
  }
  return [...unknown].map(
    ([keyId, where]) =>
      `key ${keyId} sealed the secrets of ${where.join(', ')}, but it is neither ${ENCRYPTION_KEY_VARIABLE} nor in HANDOFF_ENCRYPTION_KEY_PREVIOUS: those connections answer 503`,
  );
}
