import type { PartnerExchangeWidget, PaybisSessionResponse } from '@handoff/core';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { PaybisWidgetLauncher } from './paybis-widget-launcher.tsx';
import { fakeTab } from './test-support.ts';

const BACKEND = 'https://handoff.test';
const WIDGET = 'https://widget.prefetch.test';
const SCRIPT_URL = `${WIDGET}/partner-exchange-widget.js`;

const server = setupServer();
let bodies: unknown[] = [];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  // The script is "already on the page", so the loader uses the fake SDK.
  const tag = document.createElement('script');
  tag.src = SCRIPT_URL;
  document.head.appendChild(tag);
});
afterAll(() => server.close());

let sdk: { open: Mock; openInEmbed: Mock; close: Mock };
beforeEach(() => {
  bodies = [];
  server.use(
    http.post(`${BACKEND}/v1/paybis/session`, async ({ request }) => {
      bodies.push(await request.json());
      const n = bodies.length;
      return HttpResponse.json({
        requestId: `req-${n}`,
        oneTimeToken: `ott-${n}`,
        widgetUrl: `${WIDGET}/?requestId=req-${n}`,
        scriptUrl: SCRIPT_URL,
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      } satisfies PaybisSessionResponse);
    }),
  );
  sdk = { open: vi.fn(), openInEmbed: vi.fn(), close: vi.fn() };
  (window as unknown as { PartnerExchangeWidget: PartnerExchangeWidget }).PartnerExchangeWidget = sdk;
});
afterEach(() => {
  server.resetHandlers();
  vi.restoreAllMocks();
});

const wrap = (node: ReactNode) => (
  <HandoffProvider url={BACKEND} token="hc_customer">
    {node}
  </HandoffProvider>
);
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('PaybisWidgetLauncher prefetch', () => {
  it('opens the widget page of a session already in hand straight away in new-tab mode', async () => {
    const tab = fakeTab();
    const open = vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    const onOpen = vi.fn();
    render(wrap(<PaybisWidgetLauncher mode="new-tab" onOpen={onOpen} />));
    const button = screen.getByRole('button', { name: 'Buy crypto' });
    fireEvent.pointerEnter(button);
    await waitFor(() => expect(bodies).toHaveLength(1));
    await settled();
    fireEvent.click(button);
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith(`${WIDGET}/?requestId=req-1`, '_blank');
    await waitFor(() =>
      expect(onOpen).toHaveBeenCalledWith({
        url: `${WIDGET}/?requestId=req-1`,
        target: 'new-tab',
        fallback: null,
      }),
    );
    expect(tab.opener).toBeNull();
    expect(tab.location.replace).not.toHaveBeenCalled();
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(bodies).toHaveLength(1);
    expect(sdk.open).not.toHaveBeenCalled();
  });

  it('fetches the session on hover by default; the click opens the widget with it', async () => {
    render(wrap(<PaybisWidgetLauncher flow="buyCrypto" currencyCodeTo="BTC" />));
    const button = screen.getByRole('button', { name: 'Buy crypto' });
    fireEvent.pointerEnter(button);
    await waitFor(() => expect(bodies).toEqual([{ flow: 'buyCrypto', currencyCodeTo: 'BTC' }]));
    await settled();
    fireEvent.click(button);
    await waitFor(() => expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' }));
    expect(bodies).toHaveLength(1);
    expect(button).toHaveAttribute('data-state', 'open');
  });

  it('fetches on focus, and a session opens the widget once', async () => {
    render(wrap(<PaybisWidgetLauncher />));
    const button = screen.getByRole('button', { name: 'Buy crypto' });
    fireEvent.focus(button);
    await waitFor(() => expect(bodies).toHaveLength(1));
    fireEvent.click(button);
    await waitFor(() => expect(sdk.open).toHaveBeenCalledTimes(1));
    fireEvent.click(button);
    await waitFor(() => expect(sdk.open).toHaveBeenCalledTimes(2));
    expect(sdk.open.mock.calls.map(([c]) => (c as { requestId: string }).requestId)).toEqual([
      'req-1',
      'req-2',
    ]);
  });

  it('is off with prefetch={false}', async () => {
    render(wrap(<PaybisWidgetLauncher prefetch={false} />));
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Buy crypto' }));
    await settled();
    expect(bodies).toHaveLength(0);
  });

  it('asks again when the parameters changed since the prefetch', async () => {
    const { rerender } = render(wrap(<PaybisWidgetLauncher amount="10" />));
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Buy crypto' }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    rerender(wrap(<PaybisWidgetLauncher amount="20" />));
    fireEvent.click(screen.getByRole('button', { name: 'Buy crypto' }));
    await waitFor(() => expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-2', oneTimeToken: 'ott-2' }));
    expect(bodies).toEqual([{ amount: '10' }, { amount: '20' }]);
  });
});
