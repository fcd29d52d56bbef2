import type { Kysely } from 'kysely';
import { toIso, type Database } from './schema.ts';
import type { IdempotencyKeys, IdempotencyRecord } from './types.ts';

/**
 * Idempotency records in the database, so a key holds across instances and restarts. The
 * primary key (user, key hash) makes the first request's claim win on both engines: a concurrent
 * request with the same key finds the claim and waits for its answer or is told to retry.
 */
export function createIdempotencyKeys(db: Kysely<Database>, now: () => Date): IdempotencyKeys {
  const find = async (userId: number, keyHash: string): Promise<IdempotencyRecord | null> => {
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      requestHash: row.request_hash,
      createdAt: toIso(row.created_at),
      answer:
        row.session_id !== null && row.sealed_token !== null && row.expires_at !== null
          ? { sessionId: row.session_id, sealedToken: row.sealed_token, expiresAt: toIso(row.expires_at) }
          : null,
    };
  };

  return {
    async claim({ userId, keyHash, requestHash, since }) {
      // A record older than the window is forgotten: the key may start over.
      await db
        .deleteFrom('idempotency_keys')
        .where('user_id', '=', userId)
        .where('key_hash', '=', keyHash)
        .where('created_at', '<', since.toISOString())
        .execute();
      // A claim released between our insert and read makes the loop try again; twice is plenty.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await db
          .insertInto('idempotency_keys')
          .values({
            user_id: userId,
            key_hash: keyHash,
            request_hash: requestHash,
            created_at: now().toISOString(),
          })
          .onConflict((conflict) => conflict.columns(['user_id', 'key_hash']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return null;
        const existing = await find(userId, keyHash);
        if (existing) return existing;
      }
      throw new Error('Idempotency key claim kept being released.');
    },

    async complete({ userId, keyHash, answer }) {
      await db
        .updateTable('idempotency_keys')
        .set({ session_id: answer.sessionId, sealed_token: answer.sealedToken, expires_at: answer.expiresAt })
        .where('user_id', '=', userId)
        .where('key_hash', '=', keyHash)
        .execute();
    },

    async release({ userId, keyHash }) {
      await db
        .deleteFrom('idempotency_keys')
        .where('user_id', '=', userId)
        .where('key_hash', '=', keyHash)
        .where('session_id', 'is', null)
        .execute();
    },

    async purge(createdBefore) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', createdBefore.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
