import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { HandoffConfig, OkePayConfig, TwoCheckoutConfig } from '../config.ts';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import { paybisPublicKey } from './paybis.ts';

export type WebhookProvider = 'okepay' | '2checkout' | 'paybis';

/** Where a webhook URL's token leads: one account's connection to one provider. */
export type WebhookTarget =
  | { provider: 'okepay'; accountId: string; okepay: OkePayConfig; signingKey: string | null }
  | { provider: '2checkout'; accountId: string; twocheckout: TwoCheckoutConfig }
  | { provider: 'paybis'; accountId: string; publicKey: KeyObject | null };

/** Finds the target of a webhook URL, or null for an unknown token (the caller answers 404). */
export type ResolveWebhookTarget = (
  provider: WebhookProvider,
  token: string,
) => Promise<WebhookTarget | null>;

/** What a token looks like; anything else is unknown without a lookup. */
export const WEBHOOK_TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The default account's webhook targets, from the environment: one token (`HANDOFF_WEBHOOK_TOKEN`)
 * for each configured provider. Tokens are compared as SHA-256 digests in constant time.
 */
export function environmentWebhookTargets(config: HandoffConfig): ResolveWebhookTarget {
  const { token, okepaySigningKey, paybisPublicKeyPem } = config.webhooks;
  const expected = token === null ? null : digest(token);
  const publicKey = paybisPublicKeyPem === null ? null : paybisPublicKey(paybisPublicKeyPem);
  return (provider, candidate) => {
    if (expected === null || !timingSafeEqual(expected, digest(candidate))) return Promise.resolve(null);
    const accountId = DEFAULT_ACCOUNT_ID;
    let target: WebhookTarget | null = null;
    if (provider === 'okepay' && config.okepay) {
      target = { provider, accountId, okepay: config.okepay, signingKey: okepaySigningKey };
    } else if (provider === '2checkout' && config.twocheckout) {
      target = { provider, accountId, twocheckout: config.twocheckout };
    } else if (provider === 'paybis' && config.paybis) {
      target = { provider, accountId, publicKey };
    }
    return Promise.resolve(target);
  };
}
