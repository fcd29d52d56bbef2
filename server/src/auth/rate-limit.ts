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
}

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

  const recent = (key: string, at: number): number[] => {
    const list = failures.get(key);
    if (!list) return [];
    const kept = list.filter((t) => t > at - windowMs);
    if (kept.length === 0) failures.delete(key);
    else if (kept.length !== list.length) failures.set(key, kept);
    return kept;
  };

  return {
    retryAfter(key) {
      const at = now();
      const list = recent(key, at);
      if (list.length < limit) return 0;
      // The window frees up when the oldest failure that keeps us at the limit leaves it.
      const oldest = list[list.length - limit]!;
      return Math.max(1, Math.ceil((oldest + windowMs - at) / 1000));
    },
    fail(key) {
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
    },
    reset(key) {
      failures.delete(key);
    },
  };
}
