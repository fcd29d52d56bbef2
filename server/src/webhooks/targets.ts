import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Deps } from '../context.ts';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import { okepayProvider } from '../providers/okepay/index.ts';
import type { OkePayConnection } from '../providers/okepay/connection.ts';
import { paybisProvider } from '../providers/paybis/index.ts';
import { twocheckoutProvider } from '../providers/twocheckout/index.ts';
import type { TwoCheckoutConnection } from '../providers/twocheckout/connection.ts';
import { paybisPublicKey } from './paybis.ts';
import { WEBHOOK_TOKEN_SHAPE } from './token.ts';

export type WebhookProvider = 'okepay' | '2checkout' | 'paybis';

/** Where a webhook URL's token leads: one account's connection to one provider. */
export type WebhookTarget =
  | { provider: 'okepay'; accountId: string; okepay: OkePayConnection }
  | { provider: '2checkout'; accountId: string; twocheckout: TwoCheckoutConnection }
  | { provider: 'paybis'; accountId: string; publicKey: KeyObject | null };

/** Finds the target of a webhook URL, or null for an unknown token (the caller answers 404). */
export type ResolveWebhookTarget = (
  provider: WebhookProvider,
  token: string,
) => Promise<WebhookTarget | null>;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Webhook targets: a token stored for a connection (`webhookEndpoints`), or the default account's
 * token from the environment (`HANDOFF_WEBHOOK_TOKEN`, compared in constant time). The token must
 * have been made for this provider, and the account must still have a connection to it.
 */
export function webhookTargets(deps: Pick<Deps, 'config' | 'store' | 'connections'>): ResolveWebhookTarget {
  const environmentToken = deps.config.webhookToken === null ? null : digest(deps.config.webhookToken);
  const publicKeys = new Map<string, KeyObject>();

  async function accountFor(provider: WebhookProvider, token: string): Promise<string | null> {
    if (!WEBHOOK_TOKEN_SHAPE.test(token)) return null;
    if (environmentToken !== null && timingSafeEqual(environmentToken, digest(token)))
      return DEFAULT_ACCOUNT_ID;
    const stored = await deps.store.webhookEndpoints.resolve(token);
    return stored !== null && stored.provider === provider ? stored.accountId : null;
  }

  return async (provider, token) => {
    const accountId = await accountFor(provider, token);
    if (accountId === null) return null;
    switch (provider) {
      case 'okepay': {
        const found = await deps.connections.find(okepayProvider, accountId);
        return found && { provider, accountId, okepay: found.connection };
      }
      case '2checkout': {
        const found = await deps.connections.find(twocheckoutProvider, accountId);
        return found && { provider, accountId, twocheckout: found.connection };
      }
      case 'paybis': {
        const found = await deps.connections.find(paybisProvider, accountId);
        if (!found) return null;
        const pem = found.connection.webhookPublicKeyPem;
        let publicKey: KeyObject | null = null;
        if (pem !== undefined) {
          publicKey = publicKeys.get(pem) ?? paybisPublicKey(pem);
          publicKeys.set(pem, publicKey);
        }
        return { provider, accountId, publicKey };
      }
    }
  };
}
