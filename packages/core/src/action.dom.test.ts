// @vitest-environment jsdom
// (The node project's include also matches *.dom.test.ts; this keeps the file in a DOM either way.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAction, type ActionSnapshot } from './action.ts';
import type { HandoffClient } from './client.ts';
import { HandoffError, HandoffOptionError } from './errors.ts';
import { manageSubscriptionAction, type ManageSubscriptionOptions } from './manage-subscription-action.ts';
import type { LinkResponse } from './wire.ts';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function fakeClient(overrides: Partial<HandoffClient> = {}) {
  let n = 0;
  const link = async (): Promise<LinkResponse> => ({
    url: `https://portal.test/login/${++n}`,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  return {
    okepayLoginLink: vi.fn<HandoffClient['okepayLoginLink']>(link),
    twocheckoutSso: vi.fn<HandoffClient['twocheckoutSso']>(link),
    paybisSession: vi.fn<HandoffClient['paybisSession']>(),
    me: vi.fn<HandoffClient['me']>(),
    ...overrides,
  } satisfies HandoffClient;
}

function fakeTab() {
  const tab = {
    opener: {} as unknown,
    closed: false,
    location: { replace: vi.fn<(url: string) => void>() },
    close: vi.fn(() => {
      tab.closed = true;
    }),
  };
  return tab;
}

let tab: ReturnType<typeof fakeTab>;
beforeEach(() => {
  tab = fakeTab();
  vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
});
afterEach(() => vi.restoreAllMocks());

/** Every snapshot the action published, in order. */
function record(action: { subscribe(l: () => void): () => void; getSnapshot(): ActionSnapshot }) {
  const seen: ActionSnapshot[] = [];
  action.subscribe(() => seen.push(action.getSnapshot()));
  return seen;
}

const okepay = (extra: Partial<ManageSubscriptionOptions> = {}): ManageSubscriptionOptions => ({
  provider: 'okepay',
  ...extra,
});

describe('createAction', () => {
  it('goes idle → loading → idle, opening the tab in the click and reporting where it opened', async () => {
    const client = fakeClient();
    const onOpen = vi.fn();
    const action = createAction(client, manageSubscriptionAction, okepay({ onOpen }));
    const states = record(action);
    expect(action.getSnapshot()).toEqual({ state: 'idle', error: null });
    action.click();
    // Synchronously: the request is on its way and the tab is open.
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(window.open).toHaveBeenCalledWith('', '_blank');
    expect(action.getSnapshot().state).toBe('loading');
    await flush();
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
    expect(states.map((s) => s.state)).toEqual(['loading', 'idle']);
    expect(onOpen).toHaveBeenCalledWith({
      url: 'https://portal.test/login/1',
      target: 'new-tab',
      fallback: null,
    });
  });

  it('keeps one snapshot object while nothing changes', () => {
    const action = createAction(fakeClient(), manageSubscriptionAction, okepay());
    expect(action.getSnapshot()).toBe(action.getSnapshot());
  });

  it('ignores a second click while one is in flight', () => {
    const client = fakeClient();
    const action = createAction(client, manageSubscriptionAction, okepay());
    action.click();
    action.click();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
  });

  it('on failure closes the pending tab, shows the error and reports it', async () => {
    const failure = new HandoffError('provider_error', 'down', { status: 502 });
    const client = fakeClient({ okepayLoginLink: vi.fn(async () => Promise.reject(failure)) });
    const onError = vi.fn();
    const action = createAction(client, manageSubscriptionAction, okepay({ onError }));
    action.click();
    await flush();
    expect(tab.close).toHaveBeenCalled();
    expect(action.getSnapshot()).toEqual({ state: 'error', error: failure });
    expect(onError).toHaveBeenCalledWith(failure);
  });

  it('falls back to this page when the popup is blocked, and says so', async () => {
    vi.mocked(window.open).mockReturnValue(null);
    const onOpen = vi.fn();
    const action = createAction(fakeClient(), manageSubscriptionAction, okepay({ onOpen }));
    action.click();
    await flush();
    // (jsdom does not navigate; the opener's own tests check that this page is sent there.)
    expect(onOpen).toHaveBeenCalledWith({
      url: 'https://portal.test/login/1',
      target: 'same-tab',
      fallback: 'popup_blocked',
    });
  });

  it('uses a link fetched on intent once: the tab opens at it directly, with no second request', async () => {
    const client = fakeClient();
    const action = createAction(client, manageSubscriptionAction, okepay());
    action.intent();
    action.intent();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(1);
    action.click();
    expect(window.open).toHaveBeenCalledWith('https://portal.test/login/1', '_blank');
    await flush();
    action.click();
    await flush();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(2);
  });

  it('never uses what was fetched for one client with another (another customer)', async () => {
    const first = fakeClient();
    const second = fakeClient();
    let current: HandoffClient = first;
    const action = createAction(() => current, manageSubscriptionAction, okepay());
    action.intent();
    await flush();
    current = second;
    action.click();
    expect(second.okepayLoginLink).toHaveBeenCalledTimes(1);
    expect(window.open).toHaveBeenCalledWith('', '_blank');
  });

  it('with getToken waits for isCurrent before using a link fetched ahead, and asks afresh when not', async () => {
    const isCurrent = vi.fn(async () => false);
    const client = fakeClient({ isCurrent });
    const action = createAction(client, manageSubscriptionAction, okepay());
    action.intent();
    await flush();
    action.click();
    // Nothing is opened at a link until it is confirmed for the customer signed in now.
    expect(window.open).toHaveBeenCalledWith('', '_blank');
    await flush();
    expect(isCurrent).toHaveBeenCalled();
    expect(client.okepayLoginLink).toHaveBeenCalledTimes(2);
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/2');
  });

  it('finishes a click that opened a tab even when disposed meanwhile', async () => {
    const onOpen = vi.fn();
    const action = createAction(fakeClient(), manageSubscriptionAction, okepay({ onOpen }));
    action.click();
    action.dispose();
    await flush();
    expect(tab.location.replace).toHaveBeenCalledWith('https://portal.test/login/1');
    expect(onOpen).toHaveBeenCalled();
  });

  it('prefetches 2Checkout only when asked, with a validity of 30 s or more', async () => {
    const client = fakeClient();
    const twocheckout = (extra: Partial<ManageSubscriptionOptions>) =>
      createAction(client, manageSubscriptionAction, {
        provider: '2checkout',
        subscriptionReference: 'SUB-1',
        ...extra,
      });
    twocheckout({}).intent();
    twocheckout({ prefetch: true }).intent();
    twocheckout({ prefetch: true, validityTime: 29 }).intent();
    await flush();
    expect(client.twocheckoutSso).not.toHaveBeenCalled();
    twocheckout({ prefetch: true, validityTime: 30 }).intent();
    await flush();
    expect(client.twocheckoutSso).toHaveBeenCalledWith(
      { subscriptionReference: 'SUB-1', validityTime: 30 },
      expect.anything(),
    );
  });

  it('refuses a bad option on click, naming it, without asking or opening (development builds)', () => {
    const client = fakeClient();
    const onError = vi.fn();
    const action = createAction(client, manageSubscriptionAction, {
      provider: '2checkout',
      subscriptionReference: 'S',
      validityTime: 301,
      onError,
    });
    action.click();
    expect(onError).toHaveBeenCalledWith(expect.any(HandoffOptionError));
    expect((onError.mock.calls[0]![0] as HandoffOptionError).option).toBe('validityTime');
    expect(action.getSnapshot().state).toBe('error');
    expect(client.twocheckoutSso).not.toHaveBeenCalled();
    expect(window.open).not.toHaveBeenCalled();
  });

  it('uses the options set last', async () => {
    const client = fakeClient();
    const action = createAction(client, manageSubscriptionAction, okepay());
    action.setOptions({ provider: '2checkout', subscriptionReference: 'SUB-2', accessPage: 'faq' });
    action.click();
    expect(client.twocheckoutSso).toHaveBeenCalledWith(
      { subscriptionReference: 'SUB-2', accessPage: 'faq' },
      expect.anything(),
    );
  });
});
