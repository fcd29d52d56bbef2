import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RateLimitCounters } from './types.ts';

/**
 * Abuse-limit counters in the database, so every instance shares them and a restart keeps them.
 * Each bucket counts within a fixed window; one upsert adds to the count (or starts a new window
 * when the last one has ended) and returns the result, atomically on both engines.
 */
export function createRateLimitCounters(db: Kysely<Database>): RateLimitCounters {
  return {
    async add(bucket, { windowMs, now }) {
      const resetsAt = now + windowMs;
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, resets_at: resetsAt, count: 1 })
        .onConflict((oc) =>
          oc.column('bucket').doUpdateSet({
            count: sql<number>`case when rate_limits.resets_at <= ${now} then 1 else rate_limits.count + 1 end`,
            resets_at: sql<number>`case when rate_limits.resets_at <= ${now} then ${resetsAt} else rate_limits.resets_at end`,
          }),
        )
        .returning(['count', 'resets_at'])
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), resetsAt: Number(row.resets_at) };
    },

    async subtract(bucket, resetsAt) {
      // Only within the window the addition was made in, and never below zero.
      const row = await db
        .updateTable('rate_limits')
        .set({ count: sql<number>`count - 1` })
        .where('bucket', '=', bucket)
        .where('resets_at', '=', resetsAt)
        .where('count', '>', 0)
        .returning('count')
        .executeTakeFirst();
      return row === undefined ? 0 : Number(row.count);
    },

    async clear(bucket) {
      await db.deleteFrom('rate_limits').where('bucket', '=', bucket).execute();
    },

    async purge(now) {
      const result = await db.deleteFrom('rate_limits').where('resets_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
