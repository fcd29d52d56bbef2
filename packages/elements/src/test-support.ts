import { vi } from 'vitest';
import type { HandoffClient, LinkResponse, PaybisSessionResponse } from '@handoff/core';

/** A client whose methods are spies; each answer is what the test says, or a fresh link. */
export function fakeClient() {
  let n = 0;
  const link = (): LinkResponse => ({
    url: `https://portal.test/login/${++n}`,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  return {
    okepayLoginLink: vi.fn<HandoffClient['okepayLoginLink']>(async () => link()),
    twocheckoutSso: vi.fn<HandoffClient['twocheckoutSso']>(async () => link()),
    paybisSession: vi.fn<HandoffClient['paybisSession']>(async (): Promise<PaybisSessionResponse> => ({
      requestId: `req-${++n}`,
      oneTimeToken: `ott-${n}`,
      widgetUrl: `https://widget.test/?requestId=req-${n}`,
      scriptUrl: 'https://widget.test/partner-exchange-widget.js',
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    })),
    me: vi.fn<HandoffClient['me']>(),
  } satisfies HandoffClient;
}

/** A stand-in for the tab `window.open` returns. */
export function fakeTab() {
  return {
    closed: false,
    opener: {} as unknown,
    close: vi.fn(),
    location: { replace: vi.fn<(url: string) => void>() },
  };
}

/** Every `type` event the element dispatches, by detail. */
export function collect<T>(target: EventTarget, type: string): T[] {
  const seen: T[] = [];
  target.addEventListener(type, (event) => seen.push((event as CustomEvent<T>).detail));
  return seen;
}

export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

export function mount<E extends HTMLElement>(html: string): E {
  const host = document.createElement('div');
  host.innerHTML = html;
  document.body.append(host);
  return host.firstElementChild as E;
}
