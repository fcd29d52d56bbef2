import { describe, expect, it, vi } from 'vitest';
import { slidingWindowLimiter, type Admission } from './rate-limit.ts';

describe('slidingWindowLimiter', () => {
  it('allows `limit` failures, then tells how long until the oldest leaves the window', () => {
    let t = 0;
    const limiter = slidingWindowLimiter({ limit: 3, windowMs: 10_000, now: () => t });
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.fail('k');
    t = 2000;
    limiter.fail('k');
    t = 4000;
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(6);
    expect(limiter.retryAfter('other')).toBe(0);
    t = 9999;
    expect(limiter.retryAfter('k')).toBe(1);
    t = 10_000;
    expect(limiter.retryAfter('k')).toBe(0);
  });

  it('slides: old failures stop counting', () => {
    let t = 0;
    const limiter = slidingWindowLimiter({ limit: 2, windowMs: 1000, now: () => t });
    limiter.fail('k');
    t = 600;
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBeGreaterThan(0);
    t = 1100;
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(1);
  });

  it('reset forgets a key; memory stays bounded by dropping the stalest keys', () => {
    const limiter = slidingWindowLimiter({ limit: 1, windowMs: 60_000, now: () => 0, maxKeys: 2 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.retryAfter('b')).toBe(60);
    limiter.reset('b');
    expect(limiter.retryAfter('b')).toBe(0);
    expect(limiter.retryAfter('c')).toBe(60);
  });

  it('counts admitted attempts in flight against the limit; those that succeed are taken back', async () => {
    const limiter = slidingWindowLimiter({ limit: 3, windowMs: 60_000, now: () => 0 });
    const turns = [await limiter.admit('k'), await limiter.admit('k'), await limiter.admit('k')];
    const [first, second, third] = turns.map((t) => {
      if (!t.admitted) throw new Error('not admitted');
      return t;
    });
    // A fourth waits for one of the three to end instead of passing (or being refused) now.
    let fourth: Admission | undefined;
    void limiter.admit('k').then((a) => (fourth = a));
    await Promise.resolve();
    expect(fourth).toBeUndefined();
    first!.release();
    first!.fail(); // an attempt ends once: this does not count
    await vi.waitFor(() => expect(fourth?.admitted).toBe(true));
    second!.fail();
    third!.fail();
    expect(limiter.retryAfter('k')).toBe(0);
    if (fourth?.admitted) fourth.fail();
    expect(await limiter.admit('k')).toEqual({ admitted: false, retryAfter: 60 });
    expect((await limiter.admit('other')).admitted).toBe(true);
  });

  it('refuses waiting attempts once the ones in flight have failed', async () => {
    const limiter = slidingWindowLimiter({ limit: 3, windowMs: 60_000, now: () => 0 });
    const turns = await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.admit('k').then((turn) => {
          if (turn.admitted) turn.fail();
          return turn;
        }),
      ),
    );
    expect(turns.filter((t) => t.admitted)).toHaveLength(3);
    expect(turns.filter((t) => !t.admitted)).toEqual(Array(7).fill({ admitted: false, retryAfter: 60 }));
  });

  it('refuses nonsense options when built', () => {
    expect(() => slidingWindowLimiter({ limit: 0, windowMs: 1 })).toThrow(RangeError);
    expect(() => slidingWindowLimiter({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
