// @vitest-environment jsdom
// (The node project's include also matches *.dom.test.ts; this keeps the file in a DOM either way.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandoffError } from './errors.ts';
import { loadScript } from './script-loader.ts';

let n = 0;
/** A fresh URL per test: the loader remembers what it loaded for the life of the page. */
const freshSrc = () => `https://cdn.example.test/widget-${++n}.js`;

const scriptsFor = (src: string) =>
  Array.from(document.querySelectorAll('script')).filter((s) => s.src === src);

afterEach(() => {
  document.head.replaceChildren();
  document.body.replaceChildren();
});

describe('loadScript', () => {
  it('injects one async script tag and resolves when it loads', async () => {
    const src = freshSrc();
    let resolved = false;
    const promise = loadScript(src).then(() => {
      resolved = true;
    });
    const [tag, ...more] = scriptsFor(src);
    expect(more).toHaveLength(0);
    expect(tag?.async).toBe(true);
    expect(tag?.parentElement).toBe(document.head);
    await Promise.resolve();
    expect(resolved).toBe(false);
    tag!.dispatchEvent(new Event('load'));
    await promise;
    expect(resolved).toBe(true);
  });

  it('shares one promise and one tag between callers, also after loading', async () => {
    const src = freshSrc();
    const a = loadScript(src);
    const b = loadScript(src);
    expect(b).toBe(a);
    scriptsFor(src)[0]!.dispatchEvent(new Event('load'));
    await a;
    await loadScript(src);
    expect(scriptsFor(src)).toHaveLength(1);
  });

  it('treats a relative src and its absolute form as the same script', async () => {
    const absolute = new URL('/relative-widget.js', document.baseURI).href;
    const a = loadScript('/relative-widget.js');
    expect(loadScript(absolute)).toBe(a);
    expect(scriptsFor(absolute)).toHaveLength(1);
    scriptsFor(absolute)[0]!.dispatchEvent(new Event('load'));
    await a;
  });

  it('does not wait on a tag the page added that is not ready: it adds its own', async () => {
    const src = freshSrc();
    const own = document.createElement('script');
    own.src = src;
    document.body.appendChild(own);
    // The page's tag failed (an ad blocker, say) before anyone listened: its events are over.
    own.dispatchEvent(new Event('error'));
    let ready = false;
    const promise = loadScript(src, { isReady: () => ready });
    const added = scriptsFor(src).filter((s) => s !== own);
    expect(added).toHaveLength(1);
    ready = true;
    added[0]!.dispatchEvent(new Event('load'));
    await expect(promise).resolves.toBeUndefined();
  });

  it('fails a script that loads without defining what it should, and tries again next time', async () => {
    const src = freshSrc();
    const first = loadScript(src, { isReady: () => false });
    const tag = scriptsFor(src)[0]!;
    tag.dispatchEvent(new Event('load'));
    await expect(first).rejects.toMatchObject({ code: 'script_load_failed' });
    expect(tag.isConnected).toBe(false);
    const retry = loadScript(src, { isReady: () => true });
    expect(retry).not.toBe(first);
    scriptsFor(src)[0]!.dispatchEvent(new Event('load'));
    await expect(retry).resolves.toBeUndefined();
  });

  it('gives up on a script that neither loads nor fails, and tries again next time', async () => {
    vi.useFakeTimers();
    try {
      const src = freshSrc();
      const first = loadScript(src);
      const outcome = first.catch((e: unknown) => e);
      const stuck = scriptsFor(src)[0]!;
      vi.advanceTimersByTime(19_999);
      expect(loadScript(src)).toBe(first);
      vi.advanceTimersByTime(1);
      expect(await outcome).toMatchObject({ code: 'script_load_failed' });
      expect(stuck.isConnected).toBe(false);

      const retry = loadScript(src);
      expect(retry).not.toBe(first);
      // The first tag's late answer changes nothing for the retry.
      stuck.dispatchEvent(new Event('error'));
      expect(loadScript(src)).toBe(retry);
      scriptsFor(src)[0]!.dispatchEvent(new Event('load'));
      await expect(retry).resolves.toBeUndefined();
      // Loaded: the deadline no longer applies.
      vi.advanceTimersByTime(60_000);
      expect(loadScript(src)).toBe(retry);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves at once for an existing tag whose script is already ready', async () => {
    const src = freshSrc();
    const own = document.createElement('script');
    own.src = src;
    document.body.appendChild(own);
    await expect(loadScript(src, { isReady: () => true })).resolves.toBeUndefined();
    expect(scriptsFor(src)).toHaveLength(1);
  });

  it('rejects with script_load_failed on error, removes the tag, and retries with a new one', async () => {
    const src = freshSrc();
    const first = loadScript(src);
    const failed = scriptsFor(src)[0]!;
    failed.dispatchEvent(new Event('error'));
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffError);
    expect((error as HandoffError).code).toBe('script_load_failed');
    expect(failed.isConnected).toBe(false);

    const retry = loadScript(src);
    expect(retry).not.toBe(first);
    const fresh = scriptsFor(src);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).not.toBe(failed);
    fresh[0]!.dispatchEvent(new Event('load'));
    await expect(retry).resolves.toBeUndefined();
  });

  it('refuses URLs that are not http(s) without adding a tag', async () => {
    const count = document.querySelectorAll('script').length;
    for (const src of ['javascript:alert(1)', 'data:text/javascript,alert(1)']) {
      const error = await loadScript(src).catch((e: unknown) => e);
      expect((error as HandoffError).code).toBe('script_load_failed');
    }
    expect(document.querySelectorAll('script')).toHaveLength(count);
  });
});
