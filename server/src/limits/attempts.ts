import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitCounters } from '../store/types.ts';

export interface AttemptLimit {
  /** Failures allowed within the window. */
  limit: number;
  windowMs: number;
}

export type Admission =
  | {
      admitted: true;
      /** Ends the attempt as a failure: it counts for the window. */
      fail(): Promise<void>;
      /** Ends the attempt without a failure (it succeeded, or could not be decided). */
      release(): Promise<void>;
    }
  | { admitted: false; retryAfter: number };

/** How often, and how long at most, an attempt waits for attempts in flight to end. */
const WAIT_STEPS_MS = [5, 10, 20, 40, 80, 160, 250, 250, 250, 250, 250, 250];

/**
 * Admits one attempt whose outcome is not known yet (a login), or refuses it with the seconds to
 * wait. The counters live in the database, so every instance counts the same attempts and a
 * restart forgets none.
 *
 * An attempt counts against `limit` from the moment it is admitted, so parallel guesses are
 * refused like sequential ones; it is taken back unless it fails. An attempt that finds the limit
 * reached while others are still in flight waits a little for them to end instead of being
 * refused: parallel attempts that succeed are not refused for each other. The in-flight count is
 * a second bucket, raised before and lowered after the main one, so a waiter never misses one.
 *
 * @example
 * const turn = await admitAttempt(store.rateLimits, `login:${key}`, limits, Date.now);
 * if (!turn.admitted) return tooMany(turn.retryAfter);
 * if (await check()) await turn.release();
 * else await turn.fail();
 */
export async function admitAttempt(
  counters: RateLimitCounters,
  bucket: string,
  { limit, windowMs }: AttemptLimit,
  now: () => number,
): Promise<Admission> {
  const inFlightBucket = `${bucket}#in-flight`;
  for (let step = 0; ; step++) {
    const at = now();
    const inFlight = await counters.add(inFlightBucket, { windowMs, now: at });
    let counted: { count: number; resetsAt: number };
    try {
      counted = await counters.add(bucket, { windowMs, now: at });
    } catch (err) {
      await counters.subtract(inFlightBucket, inFlight.resetsAt).catch(() => undefined);
      throw err;
    }
    if (counted.count <= limit) {
      let ended = false;
      const end = async (failed: boolean) => {
        if (ended) return;
        ended = true;
        if (!failed) await counters.subtract(bucket, counted.resetsAt);
        await counters.subtract(inFlightBucket, inFlight.resetsAt);
      };
      return { admitted: true, fail: () => end(true), release: () => end(false) };
    }
    await counters.subtract(bucket, counted.resetsAt);
    const othersInFlight = await counters.subtract(inFlightBucket, inFlight.resetsAt);
    const wait = WAIT_STEPS_MS[step];
    if (othersInFlight === 0 || wait === undefined) {
      return { admitted: false, retryAfter: Math.max(1, Math.ceil((counted.resetsAt - at) / 1000)) };
    }
    await sleep(wait);
  }
}

/**
 * Counts one use of a quota (`limit` per window); true while within it, otherwise the seconds
 * until the window ends. Refused uses count too, so hammering does not shorten the wait.
 */
export async function consumeQuota(
  counters: RateLimitCounters,
  bucket: string,
  { limit, windowMs }: AttemptLimit,
  now: () => number,
): Promise<{ allowed: true } | { allowed: false; retryAfter: number }> {
  const at = now();
  const { count, resetsAt } = await counters.add(bucket, { windowMs, now: at });
  if (count <= limit) return { allowed: true };
  return { allowed: false, retryAfter: Math.max(1, Math.ceil((resetsAt - at) / 1000)) };
}
