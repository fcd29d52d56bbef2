import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandoffProviderError } from '@handoff/core';
import { configure, type HandoffErrorDetail, type HandoffOpenDetail } from './index.ts';
import type { HandoffManageSubscriptionElement } from './manage-subscription.ts';
import { collect, fakeClient, fakeTab, flush, mount } from './test-support.ts';

let client: ReturnType<typeof fakeClient>;
let tab: ReturnType<typeof fakeTab>;
let open: ReturnType<typeof vi.fn>;

beforeEach(() => {
  client = fakeClient();
  configure({ client });
  tab = fakeTab();
  open = vi.fn(() => tab);
  vi.spyOn(window, 'open').mockImplementation(open as unknown as typeof window.open);
});

afterEach(() => {
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

const element = (attributes: string, label = '') =>
  mount<HandoffManageSubscriptionElement>(
    `<handoff-manage-subscription ${attributes}>${label}</handoff-manage-subscription>`,
  );
const hover = (el: HandoffManageSubscriptionElement) => el.button!.dispatchEvent(new Event('pointerenter'));

describe('<handoff-manage-subscription>', () => {
  it('is a real button labelled by the element’s children, idle at first', () => {
    const el = element('provider="okepay"', 'Billing <em>portal</em>');
    const button = el.querySelector('button')!;
    expect(button.type).toBe('button');
    expect(button.textContent).toBe('Billing portal');
    expect(button.innerHTML).toBe('Billing <em>portal</em>');
    expect(el.dataset.state).toBe('idle');
    expect(button.dataset.state).toBe('idle');
    expect(button.hasAttribute('aria-busy')).toBe(false);
  });

  it('has a default label, and uses a button the page put inside as it is', () => {
    expect(element('provider="okepay"').button!.textContent).toBe('Manage subscription');
    const el = element('provider="okepay"', '<button class="mine">Mine</button>');
    expect(el.querySelectorAll('button')).toHaveLength(1);
    expect(el.button!.className).toBe('mine');
    expect(el.button!.type).toBe('button');
  });

  it('opens a tab inside the click, then sends it to the OkePay link', async () => {
    const el = element('provider="okepay"');
    const opened = collect<HandoffOpenDetail>(el, 'handoff:open');
    el.button!.click();
    // Synchronously, before the backend answered: the popup blocker counts it as the click's.
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(tab.opener).toBeNull();
    expect(el.state).toBe('loading');
    expect(el.button!.getAttribute('aria-busy')).toBe('true');
    expect(el.button!.getAttribute('aria-disabled')).toBe('true');
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
    expect(opened).toEqual([
      {
        provider: 'okepay',
        result: { url: 'https://portal.test/login/1', target: 'new-tab', fallback: null },
      },
    ]);
    expect(el.state).toBe('idle');
    expect(el.button!.hasAttribute('aria-busy')).toBe(false);
  });

  it('starts one request for two quick clicks', async () => {
    const el = element('provider="okepay" prefetch="false"');
    el.button!.click();
    el.button!.click();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
  });

  it('falls back to this page when the tab is blocked, and says so', async () => {
    open.mockReturnValue(null);
    const assign = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ assign } as unknown as Location);
    const el = element('provider="okepay" target="new-tab"');
    const opened = collect<HandoffOpenDetail>(el, 'handoff:open');
    el.button!.click();
    await flush();
    expect(assign).toHaveBeenCalledWith('https://portal.test/login/1');
    expect(opened[0]?.result).toMatchObject({ target: 'same-tab', fallback: 'popup_blocked' });
  });

  it('asks 2Checkout for the named subscription and page', async () => {
    const el = element(
      'provider="2checkout" subscription-reference="SUB-1" access-page="change_card" validity-time="60"',
    );
    el.button!.click();
    await flush();
    expect(client.twocheckoutSso).toHaveBeenCalledWith(
      { subscriptionReference: 'SUB-1', accessPage: 'change_card', validityTime: 60 },
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
  });

  it.each([
    ['provider="stripe"', 'provider'],
    ['', 'provider'],
    ['provider="2checkout"', 'subscription-reference'],
    ['provider="2checkout" subscription-reference="S" access-page="home"', 'access-page'],
    ['provider="2checkout" subscription-reference="S" validity-time="1000"', 'validity-time'],
    ['provider="2checkout" subscription-reference="S" validity-time="ten"', 'validity-time'],
    ['provider="okepay" target="_top"', 'target'],
  ])('refuses %s by naming the attribute, without opening anything', async (attributes, name) => {
    const el = element(attributes);
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    el.button!.click();
    await flush();
    expect(open).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.code).toBe('bad_request');
    expect(errors[0]!.error.message).toContain(`"${name}"`);
    expect(el.state).toBe('error');
  });

  it('closes the tab and reports a backend error; the next click tries again', async () => {
    client.okepayLoginLink.mockRejectedValueOnce(
      new HandoffProviderError('provider_timeout', 'OkePay did not answer.', { status: 504 }),
    );
    const el = element('provider="okepay"');
    const errors = collect<HandoffErrorDetail>(document, 'handoff:error');
    el.button!.click();
    await flush();
    expect(tab.close).toHaveBeenCalled();
    expect(errors[0]!.error).toBeInstanceOf(HandoffProviderError);
    expect(errors[0]!.error.code).toBe('provider_timeout');
    expect(el.state).toBe('error');
    el.button!.click();
    await flush();
    expect(el.state).toBe('idle');
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
  });

  it('finishes a click that removes the element: the tab goes to the link', async () => {
    let answer!: () => void;
    client.okepayLoginLink.mockImplementationOnce(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      return { url: 'https://portal.test/login/x', expiresAt: new Date(Date.now() + 60_000).toISOString() };
    });
    const el = element('provider="okepay" prefetch="false"');
    const opened = collect<HandoffOpenDetail>(el, 'handoff:open');
    el.button!.click();
    el.remove(); // a menu that closes on click
    await flush();
    answer();
    await flush();
    expect(tab.close).not.toHaveBeenCalled();
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/x');
    expect(opened).toHaveLength(1);
    expect(el.state).toBe('idle');
  });

  it('never closes a tab opened at a prefetched link when the click removes the element', async () => {
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    el.button!.click();
    el.remove();
    expect(open).toHaveBeenCalledWith('https://portal.test/login/1', '_blank');
    await flush();
    expect(tab.close).not.toHaveBeenCalled();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
  });

  it('moved while loading, stays loading while its request is in flight, then is idle', async () => {
    let answer!: () => void;
    client.okepayLoginLink.mockImplementationOnce(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      return { url: 'https://portal.test/login/x', expiresAt: new Date(Date.now() + 60_000).toISOString() };
    });
    const el = element('provider="okepay" prefetch="false"');
    el.button!.click();
    document.body.append(el); // moved: disconnected, then connected again
    await flush();
    expect(el.state).toBe('loading');
    expect(el.button!.getAttribute('aria-busy')).toBe('true');
    answer();
    await flush();
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/x');
    expect(el.state).toBe('idle');
    expect(el.button!.hasAttribute('aria-busy')).toBe(false);
  });

  it('reports a missing backend configuration', async () => {
    configure({ client: undefined as never });
    const el = element('provider="okepay"');
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    el.button!.click();
    await flush();
    expect(errors[0]!.error.message).toMatch(/Handoff\.configure/);
  });

  it('uses its own url and token attributes before the configured client', async () => {
    const fetch = vi.fn(
      async () =>
        new Response(
          JSON.stringify({
            url: 'https://portal.test/own',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          }),
          {
            headers: { 'content-type': 'application/json' },
          },
        ),
    );
    vi.stubGlobal('fetch', fetch);
    try {
      const el = element('provider="okepay" url="https://pay.test/" token="hc_own" prefetch="false"');
      el.button!.click();
      await flush();
      await flush();
      expect(client.okepayLoginLink).not.toHaveBeenCalled();
      const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
      expect(url).toBe('https://pay.test/v1/okepay/login-link');
      expect((init.headers as Record<string, string>).Authorization).toBe('Bearer hc_own');
      expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/own');
    } finally {
      vi.unstubAllGlobals();
    }
  });
  it('takes its token from its token-url attribute', async () => {
    const fetch = vi.fn(async (input: RequestInfo | URL) =>
      Response.json(
        String(input) === '/api/handoff-token'
          ? { token: 'hc_minted', expiresAt: new Date(Date.now() + 600_000).toISOString() }
          : { url: 'https://portal.test/own', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      ),
    );
    vi.stubGlobal('fetch', fetch);
    try {
      const el = element(
        'provider="okepay" url="https://pay.test" token-url="/api/handoff-token" prefetch="false"',
      );
      el.button!.click();
      await vi.waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/own'));
      const calls = fetch.mock.calls as unknown as Array<[string, RequestInit]>;
      expect(calls.map(([url]) => url)).toEqual([
        '/api/handoff-token',
        'https://pay.test/v1/okepay/login-link',
      ]);
      expect((calls[1]![1].headers as Record<string, string>).Authorization).toBe('Bearer hc_minted');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('<handoff-manage-subscription> prefetch', () => {
  it('fetches the OkePay link when the pointer rests on it, and the click uses it', async () => {
    const el = element('provider="okepay"');
    hover(el);
    hover(el);
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    el.button!.click();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    // The link is in hand: the tab opens straight at it, with no blank tab to navigate.
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith('https://portal.test/login/1', '_blank');
    expect(tab.location.replace).not.toHaveBeenCalled();
  });

  it('fetches on keyboard focus too', async () => {
    const el = element('provider="okepay"');
    el.button!.focus();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
  });

  it('never uses a prefetched link twice', async () => {
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    el.button!.click();
    await flush();
    el.button!.click();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(2);
    // The first click opens the prefetched link; the second asks afresh, through a blank tab.
    expect(open.mock.calls).toEqual([
      ['https://portal.test/login/1', '_blank'],
      ['', '_blank'],
    ]);
    expect(tab.location.replace.mock.calls.map(([url]) => url)).toEqual(['https://portal.test/login/2']);
  });

  it('a click during the prefetch waits for it instead of asking again', async () => {
    let answer!: (link: { url: string; expiresAt: string }) => void;
    client.okepayLoginLink.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const el = element('provider="okepay"');
    hover(el);
    el.button!.click();
    await flush();
    answer({ url: 'https://portal.test/early', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/early');
  });

  it('does not use a link about to expire: the click asks for a fresh one', async () => {
    client.okepayLoginLink.mockResolvedValueOnce({
      url: 'https://portal.test/stale',
      expiresAt: new Date(Date.now() + 2_000).toISOString(),
    });
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    el.button!.click();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(2);
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
  });

  it('is off with prefetch="false"', async () => {
    const el = element('provider="okepay" prefetch="false"');
    hover(el);
    await flush();
    expect(client.okepayLoginLink).not.toHaveBeenCalled();
  });

  it('is opt-in for 2Checkout, and only with a validity of 30 s or more', async () => {
    const ref = 'subscription-reference="SUB-1"';
    for (const attributes of [ref, `${ref} prefetch`, `${ref} prefetch validity-time="10"`]) {
      hover(element(`provider="2checkout" ${attributes}`));
    }
    await flush();
    expect(client.twocheckoutSso).not.toHaveBeenCalled();
    const el = element(`provider="2checkout" ${ref} prefetch validity-time="60"`);
    hover(el);
    await flush();
    expect(client.twocheckoutSso).toHaveBeenCalledTimes(1);
    el.button!.click();
    await flush();
    expect(client.twocheckoutSso).toHaveBeenCalledTimes(1);
  });

  it('keeps a 2Checkout link no longer than validity-time from its request, whatever the clocks', async () => {
    // This page's clock is a minute behind the server's: the link's expiresAt looks 90 s away.
    client.twocheckoutSso.mockImplementation(async () => ({
      url: 'https://secure.2checkout.test/sso/1',
      expiresAt: new Date(Date.now() + 90_000).toISOString(),
    }));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const el = element('provider="2checkout" subscription-reference="SUB-1" prefetch validity-time="30"');
      hover(el);
      await flush();
      expect(client.twocheckoutSso).toHaveBeenCalledTimes(1);
      vi.setSystemTime(Date.now() + 26_000);
      el.button!.click();
      expect(open).toHaveBeenCalledWith('', '_blank');
      await flush();
      expect(client.twocheckoutSso).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops what it prefetched for a customer when the page configures another', async () => {
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    const next = fakeClient();
    configure({ client: next });
    el.button!.click();
    await flush();
    expect(next.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(tab.location.replace).toHaveBeenCalledTimes(1);
  });

  it('with a configured getToken, never opens a link fetched for the customer signed in before', async () => {
    let signedIn = 'hc_alice';
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      const token = (init.headers as Record<string, string>).Authorization!.slice('Bearer '.length);
      return Response.json({
        url: `https://portal.test/portal-of/${token}`,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
    });
    configure({
      url: 'https://handoff.test',
      getToken: () => signedIn,
      fetch: fetch as typeof globalThis.fetch,
    });
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    expect(fetch).toHaveBeenCalledTimes(1);
    signedIn = 'hc_bob'; // the page did not configure again: the same client serves Bob
    el.button!.click();
    expect(open).toHaveBeenCalledWith('', '_blank');
    await flush();
    await flush();
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/portal-of/hc_bob');
    expect(tab.location.replace).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledTimes(2);

    // The same customer still gets the link fetched for them.
    hover(el);
    await flush();
    el.button!.click();
    await flush();
    await flush();
    expect(tab.location.replace).toHaveBeenLastCalledWith('https://portal.test/portal-of/hc_bob');
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('aborts a prefetch in flight when the element leaves the page', async () => {
    const signals: AbortSignal[] = [];
    client.okepayLoginLink.mockImplementationOnce((options) => {
      signals.push(options!.signal!);
      return new Promise(() => {});
    });
    const el = element('provider="okepay"');
    hover(el);
    await flush();
    el.remove();
    expect(signals[0]?.aborted).toBe(true);
  });

  it('stays silent when a prefetch fails; the click asks again and reports its own outcome', async () => {
    client.okepayLoginLink.mockRejectedValueOnce(new Error('offline'));
    const el = element('provider="okepay"');
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    hover(el);
    await flush();
    expect(errors).toEqual([]);
    el.button!.click();
    await flush();
    expect(errors).toEqual([]);
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
  });
});

describe('<handoff-manage-subscription> defined after the page set it up', () => {
  it('keeps a client property set before the element was upgraded', async () => {
    const own = fakeClient();
    const el = document.createElement('handoff-later') as HTMLElement & { client?: unknown };
    el.setAttribute('provider', 'okepay');
    el.client = own;
    document.body.append(el);
    const { HandoffManageSubscriptionElement } = await import('./manage-subscription.ts');
    customElements.define('handoff-later', class extends HandoffManageSubscriptionElement {});
    expect((el as unknown as HandoffManageSubscriptionElement).button).not.toBeNull();
    (el as unknown as HandoffManageSubscriptionElement).button!.click();
    await flush();
    expect(own.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(client.okepayLoginLink).not.toHaveBeenCalled();
  });
});
