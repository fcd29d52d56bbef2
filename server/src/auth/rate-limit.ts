/**
 * Counts failures per key in a sliding window, in memory. Enough for one instance; several
 * instances each keep their own count, which only loosens the limit by the instance count.
 */
export interface SlidingWindowLimiter {
  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number;
  /** Records one failure for `key`. */
  fail(key: string): void;
  /** Forgets `key` (e.g. after a success). */
  reset(key: string): void;
  /**
   * Admits one attempt whose outcome is not known yet, or refuses it with the seconds to wait.
   * Attempts in flight count against the limit like failures, so parallel guesses cannot all
   * pass before the first one has failed. An attempt that finds the limit reached only because
   * of attempts in flight waits for one of them to end instead of being refused: parallel
   * attempts that succeed are never refused for each other.
   *
   * @example
   * const turn = await limiter.admit(key);
   * if (!turn.admitted) return tooMany(turn.retryAfter);
   * if (await check()) turn.release();
   * else turn.fail();
   */
  admit(key: string): Promise<Admission>;
}

export type Admission =
  | {
      admitted: true;
      /** Ends the attempt as a failure: it counts for the window. */
      fail(): void;
      /** Ends the attempt without a failure (it succeeded, or could not be decided). */
      release(): void;
    }
  | { admitted: false; retryAfter: number };

export interface SlidingWindowOptions {
  /** Failures allowed within the window. */
  limit: number;
  windowMs: number;
  now?: () => number;
  /** Keys tracked at most; the stalest are dropped first so memory stays bounded. */
  maxKeys?: number;
}

export function slidingWindowLimiter({
  limit,
  windowMs,
  now = Date.now,
  maxKeys = 10_000,
}: SlidingWindowOptions): SlidingWindowLimiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  // Map keeps insertion order; a key is re-inserted on each failure, so the first key is the stalest.
  const failures = new Map<string, number[]>();
  // Attempts admitted and not yet ended, and who waits for one of them to end, per key.
  const inFlight = new Map<string, { count: number; waiters: Array<() => void> }>();

  const recent = (key: string, at: number): number[] => {
    const list = failures.get(key);
    if (!list) return [];
    const kept = list.filter((t) => t > at - windowMs);
    if (kept.length === 0) failures.delete(key);
    else if (kept.length !== list.length) failures.set(key, kept);
    return kept;
  };

  const retryAfter = (key: string): number => {
    const at = now();
    const list = recent(key, at);
    if (list.length < limit) return 0;
    // The window frees up when the oldest failure that keeps us at the limit leaves it.
    const oldest = list[list.length - limit]!;
    return Math.max(1, Math.ceil((oldest + windowMs - at) / 1000));
  };

  const fail = (key: string): void => {
    const at = now();
    const list = recent(key, at);
    list.push(at);
    failures.delete(key);
    failures.set(key, list.slice(-limit));
    while (failures.size > maxKeys) {
      const stalest = failures.keys().next().value;
      if (stalest === undefined) break;
      failures.delete(stalest);
    }
  };

  const end = (key: string): void => {
    const entry = inFlight.get(key);
    if (!entry) return;
    entry.count -= 1;
    const waiters = entry.waiters;
    entry.waiters = [];
    if (entry.count === 0) inFlight.delete(key);
    for (const wake of waiters) wake();
  };

  return {
    retryAfter,
    fail,
    reset(key) {
      failures.delete(key);
    },
    async admit(key) {
      for (;;) {
        const wait = retryAfter(key);
        if (wait > 0) return { admitted: false, retryAfter: wait };
        const entry = inFlight.get(key) ?? { count: 0, waiters: [] };
        if (recent(key, now()).length + entry.count < limit) {
          entry.count += 1;
          inFlight.set(key, entry);
          let ended = false;
          const once = (work: () => void) => () => {
            if (ended) return;
            ended = true;
            work();
            end(key);
          };
          return {
            admitted: true,
            fail: once(() => fail(key)),
            release: once(() => undefined),
          };
        }
        await new Promise<void>((resolve) => entry.waiters.push(resolve));
      }
    },
  };
}
