import type { Kysely } from 'kysely';
import { hashWebhookToken, newWebhookToken, WEBHOOK_TOKEN_SHAPE } from '../webhooks/token.ts';
import { toIso, type Database } from './schema.ts';
import type { WebhookEndpoints } from './types.ts';

/** Webhook tokens per connection, stored as SHA-256 hashes and looked up by hash. */
export function createWebhookEndpoints(db: Kysely<Database>, now: () => Date): WebhookEndpoints {
  return {
    async rotate(accountId, provider) {
      const token = newWebhookToken();
      const createdAt = now().toISOString();
      await db
        .insertInto('webhook_endpoints')
        .values({
          account_id: accountId,
          provider,
          token_hash: hashWebhookToken(token),
          created_at: createdAt,
        })
        .onConflict((oc) =>
          oc.columns(['account_id', 'provider']).doUpdateSet({
            token_hash: (eb) => eb.ref('excluded.token_hash'),
            created_at: (eb) => eb.ref('excluded.created_at'),
          }),
        )
        .execute();
      return { token, createdAt };
    },
    async resolve(token) {
      if (!WEBHOOK_TOKEN_SHAPE.test(token)) return null;
      const row = await db
        .selectFrom('webhook_endpoints')
        .select(['account_id', 'provider'])
        .where('token_hash', '=', hashWebhookToken(token))
        .executeTakeFirst();
      return row ? { accountId: row.account_id, provider: row.provider } : null;
    },
    async list(accountId) {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['provider', 'created_at'])
        .where('account_id', '=', accountId)
        .orderBy('provider')
        .execute();
      return rows.map((row) => ({ provider: row.provider, createdAt: toIso(row.created_at) }));
    },
    async remove(accountId, provider) {
      const result = await db
        .deleteFrom('webhook_endpoints')
        .where('account_id', '=', accountId)
        .where('provider', '=', provider)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
