import { createHash, randomBytes } from 'node:crypto';

/** What a webhook token looks like; anything else is unknown without a lookup. */
export const WEBHOOK_TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

/** A new webhook token: 32 random bytes, URL-safe, with a prefix that says what it is. */
export function newWebhookToken(): string {
  return `whk_${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token. */
export function hashWebhookToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The path a provider posts to, for a token. */
export function webhookPath(provider: string, token: string): string {
  return `/v1/webhooks/${provider}/${token}`;
}
