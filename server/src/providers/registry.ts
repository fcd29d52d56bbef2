import { okepayProvider } from './okepay/index.ts';
import { paybisProvider } from './paybis/index.ts';
import type { ProviderDefinition } from './provider.ts';
import { twocheckoutProvider } from './twocheckout/index.ts';

/**
 * Every provider the server knows, in one list: the configuration, the app's routes, the
 * connections API and CLI, `/v1/me` and the logger's redaction all iterate it. A new provider is
 * its folder and one line here (see the checklist in server/README.md).
 */
export const PROVIDERS: readonly ProviderDefinition[] = [
  okepayProvider as unknown as ProviderDefinition,
  twocheckoutProvider as unknown as ProviderDefinition,
  paybisProvider as unknown as ProviderDefinition,
];

/** The provider with this id (as in `/v1/accounts/{accountId}/connections/{provider}`), or undefined. */
export function providerById(id: string): ProviderDefinition | undefined {
  return PROVIDERS.find((provider) => provider.id === id);
}

/** Every secret value of `connections`, for the logger to redact. */
export function secretValuesOf(connections: Partial<Record<string, object>>): string[] {
  return PROVIDERS.flatMap((provider) => {
    const connection = connections[provider.id] as Record<string, unknown> | undefined;
    if (!connection) return [];
    return provider.secretFields.flatMap((field) => {
      const value = connection[field];
      return typeof value === 'string' && value.length > 0 ? [value] : [];
    });
  });
}
