import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPrefetchCache } from './prefetch.ts';

interface Link {
  url: string;
  expiresAt?: string;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

let clock = T0;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  clock = T0;
});
afterEach(() => {
  vi.useRealTimers();
});

function cache(options: { marginMs?: number; maxAgeMs?: number } = {}) {
  return createPrefetchCache<Link>({ now: () => clock, ...options });
}

/** A load whose answer the test settles by hand. */
function deferred() {
  let resolve!: (link: Link) => void;
  let reject!: (error: unknown) => void;
  const signals: AbortSignal[] = [];
  const load = vi.fn(
    (signal: AbortSignal) =>
      new Promise<Link>((res, rej) => {
        signals.push(signal);
        resolve = res;
        reject = rej;
      }),
  );
  return { load, signals, resolve: (l: Link) => resolve(l), reject: (e: unknown) => reject(e) };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('createPrefetchCache', () => {
  it('hands a prefetched value out once', async () => {
    const c = cache();
    const link = { url: 'https://a.example/1', expiresAt: at(60_000) };
    c.prefetch('k', async () => link);
    await settle();
    await expect(c.take('k')).resolves.toBe(link);
    // Synchronously nothing: a click can ask the backend at once.
    expect(c.take('k')).toBeUndefined();
  });

  it('keeps one request in flight, and a held value stops further requests', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    c.prefetch('k', d.load);
    await settle();
    expect(d.load).toHaveBeenCalledTimes(1);
    d.resolve({ url: 'https://a.example/1', expiresAt: at(60_000) });
    await settle();
    c.prefetch('k', d.load);
    expect(d.load).toHaveBeenCalledTimes(1);
  });

  it('replaces what it holds with a request for another key, aborting the old one', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('a', d.load);
    await settle();
    c.prefetch('b', d.load);
    await settle();
    expect(d.load).toHaveBeenCalledTimes(2);
    expect(d.signals[0]?.aborted).toBe(true);
    expect(d.signals[1]?.aborted).toBe(false);
    expect(await c.take('a')).toBeUndefined();
    d.resolve({ url: 'https://a.example/b', expiresAt: at(60_000) });
    await expect(c.take('b')).resolves.toEqual({ url: 'https://a.example/b', expiresAt: at(60_000) });
  });

  it('lets a click take a request still in flight, without a second request', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    const taken = c.take('k');
    // Claimed: a new prefetch starts its own request; the claimed one is not shared.
    d.resolve({ url: 'https://a.example/1', expiresAt: at(60_000) });
    await expect(taken).resolves.toEqual({ url: 'https://a.example/1', expiresAt: at(60_000) });
    expect(await c.take('k')).toBeUndefined();
  });

  it('never hands out a value within the safety margin of its expiry', async () => {
    const c = cache({ marginMs: 5_000 });
    c.prefetch('k', async () => ({ url: 'https://a.example/1', expiresAt: at(10_000) }));
    await settle();
    clock = T0 + 5_001;
    expect(await c.take('k')).toBeUndefined();

    c.prefetch('k', async () => ({ url: 'https://a.example/2', expiresAt: at(20_000) }));
    await settle();
    clock = T0 + 14_999;
    await expect(c.take('k')).resolves.toEqual({ url: 'https://a.example/2', expiresAt: at(20_000) });
  });

  it('never reuses a value that arrives with too little life left', async () => {
    const c = cache({ marginMs: 5_000 });
    const load = vi.fn(async () => ({ url: 'https://a.example/1', expiresAt: at(3_000) }));
    c.prefetch('k', load);
    await settle();
    // Stale already, so the next intent fetches again.
    c.prefetch('k', load);
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
    expect(await c.take('k')).toBeUndefined();
  });

  it('treats an unparseable expiry as expired', async () => {
    const c = cache();
    c.prefetch('k', async () => ({ url: 'https://a.example/1', expiresAt: 'tomorrow-ish' }));
    await settle();
    expect(await c.take('k')).toBeUndefined();
  });

  it('holds a value without an expiry for at most maxAgeMs', async () => {
    const c = cache({ maxAgeMs: 30_000 });
    c.prefetch('k', async () => ({ url: 'https://a.example/1' }));
    await settle();
    clock = T0 + 29_000;
    await expect(c.take('k')).resolves.toEqual({ url: 'https://a.example/1' });

    clock = T0;
    vi.setSystemTime(T0);
    c.prefetch('k', async () => ({ url: 'https://a.example/2' }));
    await settle();
    clock = T0 + 30_000;
    expect(await c.take('k')).toBeUndefined();
  });

  it('caps a value at its request’s start plus lifeMs, by this clock, whatever its expiry', async () => {
    // This page's clock is a minute behind the server's: a 2Checkout link valid for 30 s says
    // it expires 90 s from now by this clock.
    const c = cache({ marginMs: 5_000 });
    const link = { url: 'https://a.example/1', expiresAt: at(90_000) };
    c.prefetch('k', async () => link, 30_000);
    await settle();
    clock = T0 + 24_000;
    expect(c.takeNow('k')).toBe(link);

    c.prefetch('k', async () => link, 30_000);
    await settle();
    clock += 26_000;
    expect(c.takeNow('k')).toBeUndefined();
    // Counted from the request's start, not from when the value arrived.
    const d = deferred();
    c.prefetch('k', d.load, 30_000);
    await settle();
    clock += 20_000;
    d.resolve(link);
    await settle();
    clock += 6_000;
    expect(c.takeNow('k')).toBeUndefined();
  });

  it('fetches afresh on the next intent once an unused value has expired', async () => {
    const c = cache({ marginMs: 5_000 });
    const load = vi.fn(async () => ({ url: 'https://a.example/1', expiresAt: at(clock - T0 + 20_000) }));
    c.prefetch('k', load);
    await settle();
    clock = T0 + 15_000;
    await vi.advanceTimersByTimeAsync(15_000);
    c.prefetch('k', load);
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('drops a failed prefetch silently', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    d.reject(new Error('backend down'));
    await settle();
    expect(await c.take('k')).toBeUndefined();
    c.prefetch('k', d.load);
    await settle();
    expect(d.load).toHaveBeenCalledTimes(2);
  });

  it('a taker of a request in flight that then fails gets its error, without asking twice', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    const taken = c.take('k');
    d.reject(new Error('backend down'));
    await expect(taken).rejects.toThrow('backend down');
    expect(d.load).toHaveBeenCalledTimes(1);
  });

  it('a load that throws synchronously is a failed prefetch too', async () => {
    const c = cache();
    c.prefetch('k', () => {
      throw new Error('no token');
    });
    await settle();
    expect(await c.take('k')).toBeUndefined();
  });

  it('the taker’s signal aborts the request it took', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    const controller = new AbortController();
    const taken = c.take('k', controller.signal);
    controller.abort();
    expect(d.signals[0]?.aborted).toBe(true);
    d.reject(d.signals[0]!.reason);
    await expect(taken).rejects.toBeDefined();
  });

  it('drop aborts a request in flight and forgets a held value', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('a', d.load);
    await settle();
    c.drop();
    expect(d.signals[0]?.aborted).toBe(true);
    d.resolve({ url: 'https://a.example/a', expiresAt: at(60_000) });
    expect(await c.take('a')).toBeUndefined();

    c.prefetch('b', async () => ({ url: 'https://a.example/b2', expiresAt: at(60_000) }));
    await settle();
    c.drop();
    expect(await c.take('b')).toBeUndefined();
  });

  it('dropping does not abort a request a click has already taken', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    const taken = c.take('k');
    c.drop();
    expect(d.signals[0]?.aborted).toBe(false);
    d.resolve({ url: 'https://a.example/1', expiresAt: at(60_000) });
    await expect(taken).resolves.toEqual({ url: 'https://a.example/1', expiresAt: at(60_000) });
  });
});

describe('takeNow', () => {
  it('gives a value that has arrived out once, synchronously', async () => {
    const c = cache();
    const link = { url: 'https://a.example/1', expiresAt: at(60_000) };
    c.prefetch('k', async () => link);
    await settle();
    expect(c.takeNow('other')).toBeUndefined();
    expect(c.takeNow('k')).toBe(link);
    expect(c.takeNow('k')).toBeUndefined();
    expect(await c.take('k')).toBeUndefined();
  });

  it('leaves a request still in flight for take', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    expect(c.takeNow('k')).toBeUndefined();
    const taken = c.take('k');
    d.resolve({ url: 'https://a.example/1', expiresAt: at(60_000) });
    await expect(taken).resolves.toEqual({ url: 'https://a.example/1', expiresAt: at(60_000) });
  });

  it('never gives a value within the margin of its expiry', async () => {
    const c = cache({ marginMs: 5_000 });
    c.prefetch('k', async () => ({ url: 'https://a.example/1', expiresAt: at(10_000) }));
    await settle();
    clock = T0 + 5_001;
    expect(c.takeNow('k')).toBeUndefined();
    expect(await c.take('k')).toBeUndefined();
  });
});

describe('claim', () => {
  const signal = () => new AbortController().signal;

  it('hands over a value that has arrived as ready, without loading', async () => {
    const c = cache();
    const link = { url: 'https://a.example/1', expiresAt: at(60_000) };
    c.prefetch('k', async () => link);
    await settle();
    const load = vi.fn(async () => ({ url: 'https://a.example/2' }));
    const { ready, answer } = c.claim('k', load, signal());
    expect(ready).toBe(link);
    await expect(answer).resolves.toBe(link);
    expect(load).not.toHaveBeenCalled();
  });

  it('takes over a request in flight instead of loading again', async () => {
    const c = cache();
    const d = deferred();
    c.prefetch('k', d.load);
    await settle();
    const load = vi.fn(async () => ({ url: 'https://a.example/2' }));
    const { ready, answer } = c.claim('k', load, signal());
    expect(ready).toBeUndefined();
    d.resolve({ url: 'https://a.example/1', expiresAt: at(60_000) });
    await expect(answer).resolves.toEqual({ url: 'https://a.example/1', expiresAt: at(60_000) });
    expect(load).not.toHaveBeenCalled();
  });

  it('loads at once, synchronously, when nothing usable is held', async () => {
    const c = cache({ marginMs: 5_000 });
    const load = vi.fn(async () => ({ url: 'https://a.example/2' }));
    const { ready: firstReady, answer: firstAnswer } = c.claim('k', load, signal());
    expect(load).toHaveBeenCalledTimes(1);
    expect(firstReady).toBeUndefined();
    await expect(firstAnswer).resolves.toEqual({ url: 'https://a.example/2' });

    // A stale value in hand is not used: the claim loads afresh.
    c.prefetch('k', async () => ({ url: 'https://a.example/1', expiresAt: at(3_000) }));
    await settle();
    const { ready: secondReady } = c.claim('k', load, signal());
    expect(secondReady).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('with isCurrent, uses a value fetched ahead only when it confirms the customer', async () => {
    const c = cache();
    const alice = { url: 'https://a.example/alice', expiresAt: at(60_000) };
    const bob = { url: 'https://a.example/bob', expiresAt: at(60_000) };
    const load = vi.fn(async () => bob);

    c.prefetch('k', async () => alice);
    await settle();
    const same = vi.fn(async (value: Link) => value === alice);
    const { ready, answer } = c.claim('k', load, signal(), same);
    // Not ready within the click: whose it is is only known once isCurrent answers.
    expect(ready).toBeUndefined();
    await expect(answer).resolves.toBe(alice);
    expect(same).toHaveBeenCalledWith(alice);
    expect(load).not.toHaveBeenCalled();

    c.prefetch('k', async () => alice);
    await settle();
    const { answer: other } = c.claim('k', load, signal(), async () => false);
    await expect(other).resolves.toBe(bob);
    expect(load).toHaveBeenCalledTimes(1);
    // Used or not, a value fetched ahead is gone once claimed.
    expect(c.takeNow('k')).toBeUndefined();
  });
});
