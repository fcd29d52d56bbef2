import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { PartnerExchangeWidget, PaybisWidgetEvent } from '@handoff/core';
import { configure, type HandoffErrorDetail, type HandoffOpenDetail } from './index.ts';
import type { HandoffPaybisLauncherElement } from './paybis-launcher.ts';
import { collect, fakeClient, fakeTab, flush, mount } from './test-support.ts';

const SCRIPT = 'https://widget.test/partner-exchange-widget.js';
let client: ReturnType<typeof fakeClient>;
let sdk: { open: Mock; openInEmbed: Mock; close: Mock };

beforeEach(() => {
  client = fakeClient();
  configure({ client });
  // The Paybis script, already on the page and ready: the loader reuses it.
  const tag = document.createElement('script');
  tag.src = SCRIPT;
  document.head.append(tag);
  sdk = {
    open: vi.fn(),
    openInEmbed: vi.fn((_credentials, element: HTMLElement) =>
      element.append(document.createElement('iframe')),
    ),
    close: vi.fn(),
  };
  (window as unknown as { PartnerExchangeWidget: PartnerExchangeWidget }).PartnerExchangeWidget = sdk;
});

afterEach(() => {
  document.body.innerHTML = '';
  document.head.innerHTML = '';
  delete (window as unknown as { PartnerExchangeWidget?: unknown }).PartnerExchangeWidget;
  vi.restoreAllMocks();
});

const element = (attributes: string, label = '') =>
  mount<HandoffPaybisLauncherElement>(
    `<handoff-paybis-launcher ${attributes}>${label}</handoff-paybis-launcher>`,
  );
const post = (data: unknown, origin = 'https://widget.test') =>
  window.dispatchEvent(new MessageEvent('message', { data, origin }));

describe('<handoff-paybis-launcher>', () => {
  it('labels itself after the flow', () => {
    expect(element('').button!.textContent).toBe('Buy crypto');
    expect(element('flow="sellCrypto"').button!.textContent).toBe('Sell crypto');
    expect(element('', 'Top up').button!.textContent).toBe('Top up');
  });

  it('opens the overlay logged in, with the session parameters from its attributes', async () => {
    const el = element(
      'mode="overlay" flow="buyCrypto" currency-code-from="EUR" currency-code-to="BTC" amount="100.00" ' +
        'wallet-address="bc1qexampleaddress" wallet-currency="BTC" prefetch="false"',
    );
    const opened = collect<HandoffOpenDetail>(el, 'handoff:open');
    el.button!.click();
    expect(el.state).toBe('loading');
    await flush();
    expect(client.paybisSession).toHaveBeenCalledWith(
      {
        flow: 'buyCrypto',
        currencyCodeFrom: 'EUR',
        currencyCodeTo: 'BTC',
        amount: '100.00',
        cryptoWalletAddress: { address: 'bc1qexampleaddress', currencyCode: 'BTC' },
      },
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' });
    expect(el.state).toBe('open');
    expect(opened).toEqual([{ provider: 'paybis', mode: 'overlay', result: null }]);
  });

  it('with close-on-complete closes the overlay once the purchase completed, then reports the close', async () => {
    const el = element('close-on-complete prefetch="false"');
    const order: string[] = [];
    el.addEventListener('handoff:complete', () => order.push('complete'));
    el.addEventListener('handoff:close', () => order.push('close'));
    el.button!.click();
    await flush();
    expect(el.state).toBe('open');
    post({ name: 'completed', data: { transactionId: 't-1' } });
    expect(sdk.close).toHaveBeenCalledTimes(1);
    expect(order).toEqual(['complete', 'close']);
    expect(el.state).toBe('idle');
    // The widget is no longer listened to.
    post({ name: 'completed' });
    expect(order).toEqual(['complete', 'close']);
  });

  it('without close-on-complete leaves the overlay open on its result page', async () => {
    const el = element('prefetch="false"');
    el.button!.click();
    await flush();
    post({ name: 'completed' });
    expect(sdk.close).not.toHaveBeenCalled();
    expect(el.state).toBe('open');
  });

  it('passes widget events on as DOM events, and is idle again when the overlay closes', async () => {
    const el = element('');
    const events = collect<PaybisWidgetEvent>(el, 'handoff:widget-event');
    const completed = collect<PaybisWidgetEvent>(el, 'handoff:complete');
    const closed = collect<null>(el, 'handoff:close');
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    el.button!.click();
    await flush();
    post({ name: 'completed', data: { transactionId: 'T1' } });
    post({ name: 'completed' }, 'https://evil.test');
    post({ name: 'error', data: { message: 'card declined' } });
    expect(completed).toEqual([{ name: 'completed', data: { transactionId: 'T1' } }]);
    expect(errors[0]!.error.message).toContain('card declined');
    expect(el.state).toBe('open');
    post({ name: 'closed' });
    expect(events.map((e) => e.name)).toEqual(['completed', 'error', 'closed']);
    expect(closed).toEqual([null]);
    expect(el.state).toBe('idle');
  });

  it('renders the embedded widget into the element named by `container`', async () => {
    mount('<div id="paybis-box"></div>');
    const el = element('mode="embedded" container="paybis-box"');
    el.button!.click();
    await flush();
    expect(sdk.openInEmbed).toHaveBeenCalledWith(
      { requestId: 'req-1', oneTimeToken: 'ott-1' },
      document.getElementById('paybis-box'),
    );
    expect(document.querySelector('#paybis-box iframe')).not.toBeNull();
    // Leaving the page removes the widget it added.
    el.remove();
    expect(document.querySelector('#paybis-box iframe')).toBeNull();
  });

  it('embedded: a widget that closed stops listening; one event is dispatched once', async () => {
    const box = document.createElement('div');
    box.id = 'paybis-box';
    document.body.append(box);
    const el = element('mode="embedded" container="paybis-box" prefetch="false"');
    const completed = collect<PaybisWidgetEvent>(el, 'handoff:complete');
    const fromWidget = (data: unknown) =>
      window.dispatchEvent(
        new MessageEvent('message', {
          data,
          origin: 'https://widget.test',
          source: box.querySelector('iframe')?.contentWindow ?? null,
        }),
      );
    el.button!.click();
    await flush();
    expect(el.state).toBe('open');
    fromWidget({ name: 'closed' });
    expect(el.state).toBe('idle');
    expect(box.querySelectorAll('iframe')).toHaveLength(0);
    el.button!.click();
    await flush();
    expect(box.querySelectorAll('iframe')).toHaveLength(1);
    fromWidget({ name: 'completed' });
    expect(completed).toHaveLength(1);
    el.remove();
    expect(box.querySelectorAll('iframe')).toHaveLength(0);
  });

  it('refuses embedded mode without a container, and an unknown mode', async () => {
    for (const [attributes, name] of [
      ['mode="embedded" container="nowhere"', 'container'],
      ['mode="modal"', 'mode'],
      ['flow="swap"', 'flow'],
    ]) {
      const el = element(attributes!);
      const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
      el.button!.click();
      await flush();
      expect(errors[0]!.error.message).toContain(`"${name}"`);
      expect(el.state).toBe('error');
    }
    expect(client.paybisSession).not.toHaveBeenCalled();
  });

  it('opens the widget page in a tab opened inside the click (new-tab)', async () => {
    const tab = fakeTab();
    const open = vi.spyOn(window, 'open').mockReturnValue(tab as unknown as Window);
    const el = element('mode="new-tab"');
    const opened = collect<HandoffOpenDetail>(el, 'handoff:open');
    el.button!.click();
    expect(open).toHaveBeenCalledWith('', '_blank');
    await flush();
    expect(tab.location.replace).toHaveBeenCalledWith('https://widget.test/?requestId=req-1');
    expect(opened[0]).toMatchObject({ provider: 'paybis', mode: 'new-tab', result: { target: 'new-tab' } });
    expect(el.state).toBe('idle');
  });

  it('closes the prepared tab and reports when the session fails', async () => {
    const tab = fakeTab();
    vi.spyOn(window, 'open').mockReturnValue(tab as unknown as Window);
    client.paybisSession.mockRejectedValueOnce(new Error('boom'));
    const el = element('mode="new-tab"');
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    el.button!.click();
    await flush();
    expect(tab.close).toHaveBeenCalled();
    expect(errors[0]!.error.code).toBe('internal');
    expect(el.state).toBe('error');
  });

  it('prefetches the session on hover by default and opens with it on click', async () => {
    const el = element('flow="buyCrypto"');
    el.button!.dispatchEvent(new Event('pointerenter'));
    await flush();
    expect(client.paybisSession).toHaveBeenCalledTimes(1);
    el.button!.click();
    await flush();
    expect(client.paybisSession).toHaveBeenCalledTimes(1);
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' });
  });

  it('a prefetched session is for the parameters it was fetched with', async () => {
    const el = element('flow="buyCrypto"');
    el.button!.dispatchEvent(new Event('pointerenter'));
    await flush();
    el.setAttribute('amount', '50');
    el.button!.click();
    await flush();
    expect(client.paybisSession).toHaveBeenCalledTimes(2);
    expect(client.paybisSession.mock.calls[1]![0]).toEqual({ flow: 'buyCrypto', amount: '50' });
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-2', oneTimeToken: 'ott-2' });
  });

  it('leaving the page while the session loads cancels the overlay; back on the page it is idle', async () => {
    let answer!: () => void;
    client.paybisSession.mockImplementationOnce(async (_request, options) => {
      await new Promise<void>((resolve) => (answer = resolve));
      options?.signal?.throwIfAborted();
      return { requestId: 'r', widgetUrl: 'https://widget.test/', scriptUrl: SCRIPT };
    });
    const el = element('prefetch="false"');
    const errors = collect<HandoffErrorDetail>(el, 'handoff:error');
    el.button!.click();
    expect(el.state).toBe('loading');
    el.remove();
    document.body.append(el);
    expect(el.state).toBe('idle');
    expect(el.button!.hasAttribute('aria-busy')).toBe(false);
    answer();
    await flush();
    expect(sdk.open).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
    expect(el.state).toBe('idle');
    el.button!.click();
    await flush();
    expect(sdk.open).toHaveBeenCalledTimes(1);
    expect(el.state).toBe('open');
  });

  it('a new click replaces an overlay that is still open', async () => {
    const el = element('prefetch="false"');
    el.button!.click();
    await flush();
    el.button!.click();
    expect(sdk.close).toHaveBeenCalledTimes(1);
    await flush();
    expect(sdk.open).toHaveBeenCalledTimes(2);
  });
});
