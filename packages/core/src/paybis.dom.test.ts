// @vitest-environment jsdom
// (The node project's include also matches *.dom.test.ts; this keeps the file in a DOM either way.)
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { HandoffAbortError, HandoffError, HandoffProviderError } from './errors.ts';
import type { OpenResult, PendingWindow } from './open-window.ts';
import { preparePaybisWidget, type PaybisWidgetEvent } from './paybis.ts';
import { openPaybisWidget, parsePaybisEvent, type PartnerExchangeWidget } from './paybis-widget.ts';
import type { PaybisSessionResponse } from './wire.ts';

const WIDGET_ORIGIN = 'https://widget.sandbox.test';
let n = 0;

/** A session whose script URL is new to the loader, already on the page and ready. */
function session(overrides: Partial<PaybisSessionResponse> = {}, present = true): PaybisSessionResponse {
  const scriptUrl = `${WIDGET_ORIGIN}/w${++n}/partner-exchange-widget.js`;
  if (present) {
    const tag = document.createElement('script');
    tag.src = scriptUrl;
    document.head.appendChild(tag);
  }
  return {
    requestId: 'req-1',
    oneTimeToken: 'ott-1',
    widgetUrl: `${WIDGET_ORIGIN}/w${n}/?requestId=req-1&oneTimeToken=ott-1`,
    scriptUrl,
    expiresAt: '2026-01-01T00:15:00.000Z',
    ...overrides,
  };
}

type Fake = {
  open: Mock<PartnerExchangeWidget['open']>;
  openInEmbed: Mock<PartnerExchangeWidget['openInEmbed']>;
  close: Mock<() => void>;
};
let sdk: Fake;

function post(data: unknown, origin = WIDGET_ORIGIN, source: Window | null = null): void {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
}

/** Posts as the frame an embedded widget rendered into `container`. */
const postFrom = (container: HTMLElement, data: unknown) =>
  post(data, WIDGET_ORIGIN, container.querySelector('iframe')!.contentWindow);

beforeEach(() => {
  sdk = {
    open: vi.fn<PartnerExchangeWidget['open']>(),
    openInEmbed: vi.fn<PartnerExchangeWidget['openInEmbed']>((_options, element) => {
      const frame = document.createElement('iframe');
      element.appendChild(frame);
    }),
    close: vi.fn<() => void>(),
  };
  (window as unknown as { PartnerExchangeWidget?: PartnerExchangeWidget }).PartnerExchangeWidget = sdk;
});

afterEach(() => {
  delete (window as unknown as { PartnerExchangeWidget?: unknown }).PartnerExchangeWidget;
  document.head.replaceChildren();
  document.body.replaceChildren();
});

describe('openPaybisWidget: overlay', () => {
  it('opens the SDK overlay with the request id and one-time token', async () => {
    await openPaybisWidget(session(), { mode: 'overlay' });
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' });
  });

  it('leaves out the token when there is none', async () => {
    await openPaybisWidget(session({ oneTimeToken: undefined }), { mode: 'overlay' });
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1' });
  });

  it('injects the script when the page does not have it, and opens once it loads', async () => {
    const s = session({}, false);
    const opening = openPaybisWidget(s, { mode: 'overlay' });
    await Promise.resolve();
    const tag = Array.from(document.scripts).find((t) => t.src === s.scriptUrl);
    expect(tag).toBeDefined();
    expect(sdk.open).not.toHaveBeenCalled();
    tag!.dispatchEvent(new Event('load'));
    await opening;
    expect(sdk.open).toHaveBeenCalledTimes(1);
  });

  it('turns widget-origin messages into callbacks and ignores every other origin', async () => {
    const events: PaybisWidgetEvent[] = [];
    const onComplete = vi.fn();
    const onError = vi.fn();
    await openPaybisWidget(session(), {
      mode: 'overlay',
      onEvent: (e) => events.push(e),
      onComplete,
      onError,
    });
    post({ name: 'opened' });
    post({ name: 'completed', data: { transactionId: 'PB-1' } }, 'https://evil.example');
    post({ name: 'completed', data: { transactionId: 'PB-1' } }, 'https://widget.sandbox.test:8443');
    post({ name: 'completed', data: { transactionId: 'PB-2' } });
    post('{"name":"payment-initiated"}');
    post({ name: 'error', data: { message: 'Card declined' } });
    post({ nothing: true });
    post('not json');
    expect(events.map((e) => e.name)).toEqual(['opened', 'completed', 'payment-initiated', 'error']);
    expect(onComplete).toHaveBeenCalledTimes(1);
    expect(onComplete).toHaveBeenCalledWith({ name: 'completed', data: { transactionId: 'PB-2' } });
    const error = onError.mock.calls[0]?.[0] as HandoffError;
    expect(error).toBeInstanceOf(HandoffProviderError);
    expect(error.code).toBe('provider_error');
    expect(error.message).toBe('Paybis: Card declined');
  });

  it('reports closed once and stops listening; cleanup then does not close again', async () => {
    const onClose = vi.fn();
    const onEvent = vi.fn();
    const cleanup = await openPaybisWidget(session(), { mode: 'overlay', onClose, onEvent });
    post({ name: 'closed' });
    post({ name: 'closed' });
    post({ name: 'completed' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onEvent).toHaveBeenCalledTimes(1);
    cleanup();
    expect(sdk.close).not.toHaveBeenCalled();
  });

  it('cleanup closes an open overlay and stops listening', async () => {
    const onEvent = vi.fn();
    const cleanup = await openPaybisWidget(session(), { mode: 'overlay', onEvent });
    cleanup();
    expect(sdk.close).toHaveBeenCalledTimes(1);
    post({ name: 'completed' });
    expect(onEvent).not.toHaveBeenCalled();
  });

  it('rejects with script_load_failed and leaves no listener when the script fails', async () => {
    const onEvent = vi.fn();
    const s = session({}, false);
    const opening = openPaybisWidget(s, { mode: 'overlay', onEvent });
    await Promise.resolve();
    Array.from(document.scripts)
      .find((t) => t.src === s.scriptUrl)!
      .dispatchEvent(new Event('error'));
    await expect(opening).rejects.toMatchObject({ code: 'script_load_failed' });
    post({ name: 'opened' });
    expect(onEvent).not.toHaveBeenCalled();
  });

  it('rejects when the script did not define PartnerExchangeWidget', async () => {
    delete (window as unknown as { PartnerExchangeWidget?: unknown }).PartnerExchangeWidget;
    const s = session({}, false);
    const opening = openPaybisWidget(s, { mode: 'overlay' });
    await Promise.resolve();
    Array.from(document.scripts)
      .find((t) => t.src === s.scriptUrl)!
      .dispatchEvent(new Event('load'));
    await expect(opening).rejects.toMatchObject({ code: 'script_load_failed' });
  });

  it('does not open when aborted while the script loads', async () => {
    const controller = new AbortController();
    const s = session({}, false);
    const opening = openPaybisWidget(s, { mode: 'overlay', signal: controller.signal });
    await Promise.resolve();
    controller.abort();
    Array.from(document.scripts)
      .find((t) => t.src === s.scriptUrl)!
      .dispatchEvent(new Event('load'));
    await expect(opening).rejects.toBeInstanceOf(HandoffAbortError);
    expect(sdk.open).not.toHaveBeenCalled();
  });

  it('refuses a session with a non-http script URL', async () => {
    await expect(
      openPaybisWidget(session({ scriptUrl: 'data:text/javascript,1' }), { mode: 'overlay' }),
    ).rejects.toMatchObject({ code: 'script_load_failed' });
    await expect(
      openPaybisWidget(session({ scriptUrl: 'javascript:alert(1)' }), {
        mode: 'embedded',
        container: document.body,
      }),
    ).rejects.toBeInstanceOf(HandoffError);
    expect(sdk.open).not.toHaveBeenCalled();
    expect(sdk.openInEmbed).not.toHaveBeenCalled();
  });

  it('stops listening when the SDK throws while opening', async () => {
    const onEvent = vi.fn();
    sdk.open.mockImplementation(() => {
      throw new Error('SDK broke');
    });
    await expect(openPaybisWidget(session(), { mode: 'overlay', onEvent })).rejects.toThrow('SDK broke');
    post({ name: 'opened' });
    expect(onEvent).not.toHaveBeenCalled();
  });
});

describe('openPaybisWidget: embedded', () => {
  it('renders into the container and cleanup removes only what the widget added', async () => {
    const container = document.createElement('div');
    const mine = document.createElement('p');
    container.appendChild(mine);
    document.body.appendChild(container);
    const cleanup = await openPaybisWidget(session(), { mode: 'embedded', container });
    expect(sdk.openInEmbed).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' }, container);
    expect(container.querySelector('iframe')).not.toBeNull();
    cleanup();
    expect(container.querySelector('iframe')).toBeNull();
    expect(container.firstChild).toBe(mine);
  });

  it('counts only messages from its own frame, not another widget of the same origin', async () => {
    const container = document.createElement('div');
    const other = document.createElement('div');
    other.appendChild(document.createElement('iframe'));
    document.body.append(container, other);
    const onEvent = vi.fn();
    await openPaybisWidget(session(), { mode: 'embedded', container, onEvent });
    postFrom(other, { name: 'completed' });
    post({ name: 'completed' });
    expect(onEvent).not.toHaveBeenCalled();
    postFrom(container, { name: 'completed' });
    expect(onEvent).toHaveBeenCalledWith({ name: 'completed' });
  });

  it('on closed, stops listening and removes the widget: one widget, one listener', async () => {
    const container = document.createElement('div');
    document.body.appendChild(container);
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const onClose = vi.fn();
    const onEvent = vi.fn();
    const cleanup = await openPaybisWidget(session(), { mode: 'embedded', container, onClose, onEvent });
    const frame = container.querySelector('iframe')!;
    const source = frame.contentWindow;
    postFrom(container, { name: 'closed' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(frame.isConnected).toBe(false);
    expect(remove.mock.calls.filter(([type]) => type === 'message')).toEqual(
      add.mock.calls.filter(([type]) => type === 'message'),
    );
    post({ name: 'completed' }, WIDGET_ORIGIN, source);
    expect(onEvent).toHaveBeenCalledTimes(1);
    cleanup();
    expect(sdk.close).not.toHaveBeenCalled();
  });

  it('needs a container', async () => {
    await expect(openPaybisWidget(session(), { mode: 'embedded', container: null })).rejects.toThrow(
      /container/,
    );
  });
});

describe('openPaybisWidget: new tab and redirect', () => {
  function fakePending(): PendingWindow & { navigate: ReturnType<typeof vi.fn> } {
    return {
      blocked: false,
      close: vi.fn(),
      navigate: vi.fn((url: string): OpenResult => ({ url, target: 'new-tab', fallback: null })),
    };
  }

  it('navigates the window prepared in the click to the widget URL', async () => {
    const pending = fakePending();
    const onOpen = vi.fn();
    const s = session();
    await openPaybisWidget(s, { mode: 'new-tab', pending, onOpen });
    expect(pending.navigate).toHaveBeenCalledWith(s.widgetUrl);
    expect(onOpen).toHaveBeenCalledWith({ url: s.widgetUrl, target: 'new-tab', fallback: null });
    expect(sdk.open).not.toHaveBeenCalled();
  });

  it('refuses a non-http widget URL and closes the prepared tab', async () => {
    const close = vi.fn();
    const child = { opener: {}, closed: false, close, location: { replace: vi.fn() } };
    const fakeWindow = { open: vi.fn(() => child), location: { assign: vi.fn() } } as unknown as Window;
    const pending = preparePaybisWidget('new-tab', fakeWindow);
    await expect(
      openPaybisWidget(session({ widgetUrl: 'javascript:alert(1)' }), { mode: 'new-tab', pending }),
    ).rejects.toThrow(/http\(s\)/);
    expect(close).toHaveBeenCalled();
    expect(child.location.replace).not.toHaveBeenCalled();
  });

  it('closes the prepared window instead when aborted', async () => {
    const pending = fakePending();
    const controller = new AbortController();
    controller.abort();
    await expect(
      openPaybisWidget(session(), { mode: 'new-tab', pending, signal: controller.signal }),
    ).rejects.toBeInstanceOf(HandoffAbortError);
    expect(pending.close).toHaveBeenCalled();
    expect(pending.navigate).not.toHaveBeenCalled();
  });

  it('redirects the current page', async () => {
    const assign = vi.fn();
    const fakeWindow = { open: vi.fn(), location: { assign } } as unknown as Window;
    const s = session();
    const pending = preparePaybisWidget('redirect', fakeWindow);
    await openPaybisWidget(s, { mode: 'redirect', pending, window: fakeWindow });
    expect(assign).toHaveBeenCalledWith(s.widgetUrl);
    expect(fakeWindow.open).not.toHaveBeenCalled();
  });

  it('opens the new tab in the click, before any session exists', () => {
    const child = { opener: {}, closed: false, document: { title: '', body: {} }, close: vi.fn() };
    const fakeWindow = { open: vi.fn(() => child), location: { assign: vi.fn() } } as unknown as Window;
    const pending = preparePaybisWidget('new-tab', fakeWindow);
    expect(fakeWindow.open).toHaveBeenCalledTimes(1);
    expect(pending?.blocked).toBe(false);
    expect(preparePaybisWidget('overlay', fakeWindow)).toBeUndefined();
  });
});

describe('parsePaybisEvent', () => {
  it('accepts objects and JSON strings with a name, keeps object data only', () => {
    expect(parsePaybisEvent({ name: 'loaded' })).toEqual({ name: 'loaded' });
    expect(parsePaybisEvent('{"name":"completed","data":{"a":1}}')).toEqual({
      name: 'completed',
      data: { a: 1 },
    });
    expect(parsePaybisEvent({ name: 'x', data: 'str' })).toEqual({ name: 'x' });
    expect(parsePaybisEvent({ name: 5 })).toBeNull();
    expect(parsePaybisEvent({ name: '<script>' })).toBeNull();
    expect(parsePaybisEvent(null)).toBeNull();
    expect(parsePaybisEvent(undefined)).toBeNull();
    expect(parsePaybisEvent('null')).toBeNull();
    expect(parsePaybisEvent(42)).toBeNull();
  });
});
