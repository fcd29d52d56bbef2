import type { ProviderName } from './wire.ts';

/**
 * Intent prefetch: when the customer shows intent (pointer resting on a button, keyboard focus),
 * the one-time link or token is fetched ahead of the click, so the click opens the provider page
 * without waiting for the backend.
 *
 * Rules that keep it safe: one request in flight per key; a value is handed out once (`take`)
 * and then forgotten; it is handed out only while it has more than `marginMs` of life left; an
 * unused value is dropped when it expires. A prefetch that failed before anyone took it is dropped
 * silently (the click then asks the backend itself and reports its own outcome); a click that took
 * a request still in flight gets its outcome, error included, rather than asking twice.
 */
export interface PrefetchCacheOptions<T> {
  /**
   * When a value stops working, in epoch milliseconds; `undefined` when the answer does not say.
   * Default: its ISO 8601 `expiresAt` (`LinkResponse`, `PaybisSessionResponse`).
   */
  expiresAt?: (value: T) => number | undefined;
  /** Life a value must have left to be handed out: the time to open the page with it. Default 5 s. */
  marginMs?: number;
  /** Longest a value is held, whatever its expiry. Default 2 minutes. */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface PrefetchCache<T> {
  /**
   * Starts `load` for `key` unless a request for it is in flight or a usable value is held.
   * `load` gets a signal that aborts when the entry is dropped.
   */
  prefetch(key: string, load: (signal: AbortSignal) => Promise<T>): void;
  /**
   * The prefetched value for `key`, held or still in flight, given out once: later calls get
   * `undefined` until the next prefetch. Resolves to `undefined` when there is none or it would
   * expire within the margin; rejects when the request it waited for failed. Aborting `signal`
   * aborts that request.
   */
  take(key: string, signal?: AbortSignal): Promise<T | undefined>;
  /** Forgets `key` (or every key), aborting a request in flight. */
  drop(key?: string): void;
}

/** A request in flight or its value: the load's outcome, its controller, the check on delivery, the expiry timer. */
type Entry<T> = [
  result: Promise<T>,
  controller: AbortController,
  usable: (value: T) => T | undefined,
  timer?: ReturnType<typeof setTimeout>,
];

/** The shortest 2Checkout link validity (seconds) with which prefetching may be turned on. */
export const TWOCHECKOUT_PREFETCH_MIN_VALIDITY = 30;

/**
 * Whether a button fetches ahead. OkePay links and Paybis sessions live minutes: on unless turned
 * off. 2Checkout links live seconds: only when asked for, with a validity that leaves time to click.
 */
export const prefetchEnabled = (
  provider: ProviderName,
  asked: boolean | undefined,
  validityTime?: number,
): boolean =>
  provider === '2checkout'
    ? !!asked && (validityTime ?? 0) >= TWOCHECKOUT_PREFETCH_MIN_VALIDITY
    : asked !== false;

/** The expiry of a `{ expiresAt?: string }` answer (`LinkResponse`, `PaybisSessionResponse`). */
export const isoExpiry = (value: { expiresAt?: string }): number | undefined =>
  value.expiresAt ? Date.parse(value.expiresAt) || 0 : undefined;

/**
 * @example
 * const cache = createPrefetchCache<LinkResponse>();
 * button.onpointerenter = () => cache.prefetch('okepay', (signal) => client.okepayLoginLink({ signal }));
 * button.onclick = async () => {
 *   const pending = openPending('new-tab');
 *   const link = (await cache.take('okepay')) ?? (await client.okepayLoginLink());
 *   pending.navigate(link.url);
 * };
 */
export function createPrefetchCache<T>({
  marginMs = 5_000,
  maxAgeMs = 120_000,
  now = Date.now,
  expiresAt = isoExpiry as (value: T) => number | undefined,
}: PrefetchCacheOptions<T> = {}): PrefetchCache<T> {
  const entries = new Map<string, Entry<T>>();
  const drop = (key?: string) =>
    entries.forEach(([, controller, , timer], k) => {
      if (key === undefined || k === key) {
        entries.delete(k);
        clearTimeout(timer);
        controller.abort();
      }
    });

  return {
    prefetch(key, load) {
      if (entries.has(key)) return;
      const controller = new AbortController();
      const fetchedAt = now();
      /** How long `value` may still be handed out (≤ 0, or NaN for an unparseable expiry: not at all). */
      const left = (value: T) =>
        Math.min(fetchedAt + maxAgeMs, (expiresAt(value) ?? Infinity) - marginMs) - now();
      /** Unused values go when they stop being usable; a failure nobody took just goes. */
      const settle = (ms: number) => {
        if (entries.get(key) !== entry) return;
        if (ms > 0) entry[3] = setTimeout(settle, Math.min(ms, 2 ** 31 - 1), 0);
        else entries.delete(key);
      };
      const entry: Entry<T> = [
        Promise.resolve().then(() => load(controller.signal)),
        controller,
        (value) => (left(value) > 0 && !controller.signal.aborted ? value : undefined),
      ];
      // Also marks a rejection handled: nobody may ever take it.
      entry[0].then((value) => settle(left(value)), settle);
      entries.set(key, entry);
    },

    async take(key, signal) {
      const entry = entries.get(key);
      if (!entry) return;
      // Claimed: nobody else gets it, and only the taker's signal may still abort it.
      entries.delete(key);
      clearTimeout(entry[3]);
      signal?.addEventListener('abort', () => entry[1].abort(signal.reason));
      // Checked on delivery: a held value may have aged since it arrived.
      return entry[0].then(entry[2]);
    },

    drop,
  };
}
