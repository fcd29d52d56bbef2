/**
 * Intent prefetch: when the customer shows intent (pointer resting on a button, keyboard focus),
 * the one-time link or token is fetched ahead of the click, so the click opens the provider page
 * without waiting for the backend.
 *
 * A cache holds one request, for one button: a request for another key replaces it. Rules that
 * keep it safe: one request in flight; a value is handed out once (`take`) and then forgotten; it
 * is handed out only while it has more than `marginMs` of life left, and a stale value is never
 * reused (the next intent fetches afresh). A prefetch that failed before anyone took it is dropped
 * silently (the click then asks the backend itself and reports its own outcome); a click that took
 * a request still in flight gets its outcome, error included, rather than asking twice.
 */
export interface PrefetchCacheOptions {
  /** Life a value must have left to be handed out: the time to open the page with it. Default 5 s. */
  marginMs?: number;
  /** Longest a value is held, whatever its expiry. Default 2 minutes. */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** What a prefetch can hold: a `LinkResponse` or `PaybisSessionResponse` (ISO 8601 `expiresAt`). */
export interface Expiring {
  expiresAt?: string;
}

export interface PrefetchCache<T extends Expiring> {
  /**
   * Starts `load` for `key` unless a request for it is in flight or a usable value is held; a
   * request for another key is aborted and forgotten. `load` gets a signal that aborts when the
   * entry is dropped. `lifeMs`, when the value's lifetime is known in advance (a 2Checkout
   * link's `validityTime`), caps its use at the request's start plus that, by this page's clock,
   * whatever `expiresAt` says: `expiresAt` is the server's clock, and a page whose clock is behind
   * would otherwise hand out a link that has already expired.
   */
  prefetch(key: string, load: (signal: AbortSignal) => Promise<T>, lifeMs?: number): void;
  /**
   * Claims the prefetched value for `key`, held or still in flight, once: later calls get
   * `undefined` until the next prefetch. Synchronous, so a click that finds nothing can ask the
   * backend at once. `undefined` when there is nothing for `key`; otherwise a promise that
   * resolves to the value, or to `undefined` when it would expire within the margin, and rejects
   * when the request it waited for failed. Aborting `signal` aborts that request.
   */
  take(key: string, signal?: AbortSignal): Promise<T | undefined> | undefined;
  /**
   * The value for `key` if it has already arrived and is usable, given out once, synchronously:
   * a click can then open the provider page within its own handler. `undefined` otherwise; a
   * request still in flight is left for `take`.
   */
  takeNow(key: string): T | undefined;
  /**
   * What a click uses: the value for `key` if it has already arrived (`ready`, so the page can
   * open within the click), else the request in flight taken over, else `load` called at once.
   * Synchronous up to the request, so a click can ask before it opens a tab. `answer` settles with
   * the value or the failure.
   *
   * With `isCurrent` (the client's, when it has a `getToken`) nothing is `ready`: the value
   * fetched ahead is used only once `isCurrent` confirms it was fetched for the customer signed
   * in now, and otherwise `load` asks afresh.
   */
  claim(
    key: string,
    load: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    isCurrent?: (value: T) => Promise<boolean>,
  ): PrefetchClaim<T>;
  /** Forgets what is held, aborting a request in flight. */
  drop(): void;
}

/** What a click claimed: the value in hand, if any, and the answer it waits for either way. */
export interface PrefetchClaim<T> {
  ready: T | undefined;
  answer: Promise<T>;
}

/**
 * The request fetched ahead: key, outcome, controller, the time (this page's clock) after which
 * its value is not handed out whatever its expiry, and the value once it came.
 */
interface Slot<T> {
  key: string;
  promise: Promise<T>;
  controller: AbortController;
  usableUntil: number;
  value?: T;
}

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
export function createPrefetchCache<T extends Expiring>({
  marginMs = 5_000,
  maxAgeMs = 120_000,
  now = Date.now,
}: PrefetchCacheOptions = {}): PrefetchCache<T> {
  let slot: Slot<T> | undefined;
  // An unparseable expiry counts as expired (NaN compares false).
  const fresh = ({ usableUntil, controller }: Slot<T>, { expiresAt }: T) =>
    !controller.signal.aborted &&
    Math.min(usableUntil, (expiresAt ? Date.parse(expiresAt) : Infinity) - marginMs) > now();
  const drop = () => {
    slot?.controller.abort();
    slot = undefined;
  };
  const take: PrefetchCache<T>['take'] = (key, signal) => {
    const held = slot;
    if (held?.key !== key) return;
    // Claimed: nobody else gets it, and only the taker's signal may still abort it.
    slot = undefined;
    signal?.addEventListener('abort', () => held.controller.abort(signal.reason));
    // Checked on delivery: a held value may have aged since it arrived.
    return held.promise.then((value) => (fresh(held, value) ? value : undefined));
  };
  const takeNow: PrefetchCache<T>['takeNow'] = (key) => {
    const held = slot;
    if (held?.key !== key || !held.value) return;
    slot = undefined;
    return fresh(held, held.value) ? held.value : undefined;
  };

  return {
    prefetch(key, load, lifeMs) {
      if (slot?.key === key && !(slot.value && !fresh(slot, slot.value))) return;
      drop();
      const controller = new AbortController();
      const held = {
        key,
        controller,
        usableUntil: now() + Math.min(maxAgeMs, (lifeMs || Infinity) - marginMs),
        promise: Promise.resolve(controller.signal).then(load),
      } as Slot<T>;
      // Also marks a rejection handled: nobody may ever take it.
      held.promise.then(
        (value) => (held.value = value),
        () => slot === held && (slot = undefined),
      );
      slot = held;
    },

    take,
    takeNow,

    claim(key, load, signal, isCurrent) {
      const ready = isCurrent ? undefined : takeNow(key);
      return {
        ready,
        answer: ready
          ? Promise.resolve(ready)
          : (take(key, signal)?.then(async (value) =>
              value && (!isCurrent || (await isCurrent(value))) ? value : load(signal),
            ) ?? load(signal)),
      };
    },

    drop,
  };
}
