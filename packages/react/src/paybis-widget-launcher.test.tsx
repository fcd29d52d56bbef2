import type { HandoffError, PartnerExchangeWidget, PaybisSessionResponse } from '@handoff/core';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createRef, StrictMode, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { PaybisWidgetLauncher } from './paybis-widget-launcher.tsx';
import { fakeTab } from './test-support.ts';

const BACKEND = 'https://handoff.test';
const WIDGET = 'https://widget.paybis.test';
const SCRIPT_URL = `${WIDGET}/partner-exchange-widget.js`;
const SESSION: PaybisSessionResponse = {
  requestId: 'req-1',
  oneTimeToken: 'ott-1',
  widgetUrl: `${WIDGET}/?requestId=req-1&oneTimeToken=ott-1`,
  scriptUrl: SCRIPT_URL,
  expiresAt: '2030-01-01T00:15:00.000Z',
};

const server = setupServer();
/** Bodies of every session request the fake backend saw, in order. */
let bodies: unknown[] = [];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  // The script is "already on the page", so the loader uses the fake SDK without fetching anything.
  const tag = document.createElement('script');
  tag.src = SCRIPT_URL;
  document.head.appendChild(tag);
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function answers(session: PaybisSessionResponse = SESSION) {
  server.use(
    http.post(`${BACKEND}/v1/paybis/session`, async ({ request }) => {
      bodies.push(await request.json());
      return HttpResponse.json(session);
    }),
  );
}

function answersSlowly() {
  server.use(
    http.post(`${BACKEND}/v1/paybis/session`, async ({ request }) => {
      bodies.push(await request.json());
      await delay('infinite');
      return HttpResponse.json(SESSION);
    }),
  );
}

function fails(status: number, code: string, message: string) {
  server.use(
    http.post(`${BACKEND}/v1/paybis/session`, () =>
      HttpResponse.json({ error: { code, message } }, { status }),
    ),
  );
}

let sdk: { open: Mock; openInEmbed: Mock; close: Mock };

beforeEach(() => {
  bodies = [];
  sdk = {
    open: vi.fn(),
    openInEmbed: vi.fn((_options: unknown, element: HTMLElement) => {
      element.appendChild(document.createElement('iframe'));
    }),
    close: vi.fn(),
  };
  (window as unknown as { PartnerExchangeWidget: PartnerExchangeWidget }).PartnerExchangeWidget = sdk;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const wrap = (node: ReactNode) => (
  <HandoffProvider url={BACKEND} token="hc_customer">
    {node}
  </HandoffProvider>
);

function widgetSays(data: unknown, origin = WIDGET) {
  act(() => {
    window.dispatchEvent(new MessageEvent('message', { data, origin }));
  });
}

async function expectAccessible(container: HTMLElement) {
  const results = await axe.run(container);
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

describe('PaybisWidgetLauncher', () => {
  it('renders an accessible idle button', async () => {
    const { container } = render(wrap(<PaybisWidgetLauncher />));
    const button = screen.getByRole('button', { name: 'Buy crypto' });
    expect(button).toHaveAttribute('type', 'button');
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(button).not.toHaveAttribute('aria-busy');
    await expectAccessible(container);
  });

  it('names itself after the flow, or its children', () => {
    render(
      wrap(
        <>
          <PaybisWidgetLauncher flow="sellCrypto" />
          <PaybisWidgetLauncher>Top up wallet</PaybisWidgetLauncher>
        </>,
      ),
    );
    expect(screen.getByRole('button', { name: 'Sell crypto' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Top up wallet' })).toBeInTheDocument();
  });

  it('is busy while the session is requested, and accessible in that state', async () => {
    answersSlowly();
    const user = userEvent.setup();
    const { container } = render(wrap(<PaybisWidgetLauncher />));
    await user.click(screen.getByRole('button'));
    const button = screen.getByRole('button');
    expect(button).toHaveAttribute('data-state', 'loading');
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(button).toHaveAttribute('aria-disabled', 'true');
    await expectAccessible(container);
  });

  it('sends the widget params, opens the overlay logged in, and goes back to idle on close', async () => {
    answers();
    const onEvent = vi.fn();
    const onClose = vi.fn();
    const user = userEvent.setup();
    const { container } = render(
      wrap(
        <PaybisWidgetLauncher
          flow="buyCrypto"
          currencyCodeFrom="EUR"
          currencyCodeTo="BTC"
          amount="100.00"
          cryptoWalletAddress={{ address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', currencyCode: 'BTC' }}
          onEvent={onEvent}
          onClose={onClose}
        />,
      ),
    );
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
    expect(bodies).toEqual([
      {
        flow: 'buyCrypto',
        currencyCodeFrom: 'EUR',
        currencyCodeTo: 'BTC',
        amount: '100.00',
        cryptoWalletAddress: { address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', currencyCode: 'BTC' },
      },
    ]);
    expect(sdk.open).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' });
    await expectAccessible(container);

    widgetSays({ name: 'opened' });
    expect(onEvent).toHaveBeenCalledWith({ name: 'opened' });
    widgetSays({ name: 'closed' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle');
  });

  it('with closeOnComplete closes the overlay after onComplete, then calls onClose and is idle', async () => {
    answers();
    const calls: string[] = [];
    const user = userEvent.setup();
    render(
      wrap(
        <PaybisWidgetLauncher
          closeOnComplete
          onComplete={() => calls.push('complete')}
          onClose={() => calls.push('close')}
        />,
      ),
    );
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
    widgetSays({ name: 'completed', data: { transactionId: 't-1' } });
    expect(sdk.close).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['complete', 'close']);
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle');
  });

  it('passes completed and error events from the widget origin only', async () => {
    answers();
    const onComplete = vi.fn();
    const onError = vi.fn();
    const user = userEvent.setup();
    render(wrap(<PaybisWidgetLauncher onComplete={onComplete} onError={onError} />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(sdk.open).toHaveBeenCalled());

    widgetSays({ name: 'completed', data: { transactionId: 'forged' } }, 'https://evil.example');
    widgetSays({ name: 'error', data: { message: 'forged' } }, window.location.origin);
    expect(onComplete).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();

    widgetSays({ name: 'completed', data: { transactionId: 'PB-1' } });
    expect(onComplete).toHaveBeenCalledWith({ name: 'completed', data: { transactionId: 'PB-1' } });
    widgetSays({ name: 'error', data: { message: 'Card declined' } });
    expect((onError.mock.calls[0]?.[0] as HandoffError).message).toBe('Paybis: Card declined');
  });

  it('under StrictMode makes exactly one request per click', async () => {
    answers();
    const user = userEvent.setup();
    render(<StrictMode>{wrap(<PaybisWidgetLauncher />)}</StrictMode>);
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
    expect(bodies).toHaveLength(1);
    expect(sdk.open).toHaveBeenCalledTimes(1);
  });

  it('ignores a second click while the first is still loading', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.use(
      http.post(`${BACKEND}/v1/paybis/session`, async ({ request }) => {
        bodies.push(await request.json());
        await gate;
        return HttpResponse.json(SESSION);
      }),
    );
    const user = userEvent.setup();
    render(<StrictMode>{wrap(<PaybisWidgetLauncher />)}</StrictMode>);
    await user.dblClick(screen.getByRole('button'));
    release();
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
    expect(bodies).toHaveLength(1);
    expect(sdk.open).toHaveBeenCalledTimes(1);
  });

  it('shows the error state and reports a typed error when the backend refuses', async () => {
    fails(403, 'forbidden', 'This customer may not use Paybis.');
    const onError = vi.fn();
    const user = userEvent.setup();
    const { container } = render(wrap(<PaybisWidgetLauncher onError={onError} />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'));
    const error = onError.mock.calls[0]?.[0] as HandoffError;
    expect(error.code).toBe('forbidden');
    expect(error.status).toBe(403);
    expect(sdk.open).not.toHaveBeenCalled();
    await expectAccessible(container);

    answers();
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
  });

  it('renders into the container in embedded mode', async () => {
    answers();
    const user = userEvent.setup();
    const box = createRef<HTMLDivElement>();
    const { unmount } = render(
      wrap(
        <>
          <PaybisWidgetLauncher mode="embedded" container={box} />
          <div ref={box} data-testid="box" />
        </>,
      ),
    );
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'));
    expect(sdk.openInEmbed).toHaveBeenCalledWith({ requestId: 'req-1', oneTimeToken: 'ott-1' }, box.current);
    expect(screen.getByTestId('box').querySelector('iframe')).not.toBeNull();
    const boxElement = box.current!;
    unmount();
    expect(boxElement.querySelector('iframe')).toBeNull();
  });

  it('embedded: a widget that closed stops listening; one event reaches onComplete once', async () => {
    answers();
    const box = document.createElement('div');
    document.body.append(box);
    const onComplete = vi.fn();
    const onClose = vi.fn();
    const user = userEvent.setup();
    const { unmount } = render(
      wrap(
        <PaybisWidgetLauncher
          mode="embedded"
          container={box}
          prefetch={false}
          onComplete={onComplete}
          onClose={onClose}
        />,
      ),
    );
    const button = screen.getByRole('button');
    const fromWidget = (data: unknown) =>
      act(() => {
        const source = box.querySelector('iframe')?.contentWindow ?? null;
        window.dispatchEvent(new MessageEvent('message', { data, origin: WIDGET, source }));
      });
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'));
    fromWidget({ name: 'closed' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(box.querySelectorAll('iframe')).toHaveLength(0);

    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'));
    expect(box.querySelectorAll('iframe')).toHaveLength(1);
    fromWidget({ name: 'completed' });
    expect(onComplete).toHaveBeenCalledTimes(1);
    const frame = box.querySelector('iframe')!;
    const source = frame.contentWindow;
    unmount();
    expect(frame.isConnected).toBe(false);
    act(() => {
      window.dispatchEvent(
        new MessageEvent('message', { data: { name: 'completed' }, origin: WIDGET, source }),
      );
    });
    expect(onComplete).toHaveBeenCalledTimes(1);
    box.remove();
  });

  it('refuses embedded mode without a container, without calling the backend', async () => {
    answers();
    const onError = vi.fn();
    const user = userEvent.setup();
    render(wrap(<PaybisWidgetLauncher mode="embedded" onError={onError} />));
    await user.click(screen.getByRole('button'));
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error');
    expect((onError.mock.calls[0]?.[0] as HandoffError).message).toMatch(/container/);
    expect(bodies).toHaveLength(0);
  });

  it('opens the new tab inside the click and sends it to the widget URL', async () => {
    answersSlowly();
    const tab = fakeTab();
    const open = vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    const user = userEvent.setup();
    render(wrap(<PaybisWidgetLauncher mode="new-tab" />));
    await user.click(screen.getByRole('button'));
    // The tab exists while the backend has not answered yet: it was opened by the click itself.
    expect(open).toHaveBeenCalledTimes(1);
    expect(tab.location.replace).not.toHaveBeenCalled();

    answers();
    await user.click(screen.getByRole('button')); // ignored while busy
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('navigates the new tab once the session arrives', async () => {
    answers();
    const tab = fakeTab();
    vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    const onOpen = vi.fn();
    const user = userEvent.setup();
    // No prefetch: the session is asked for in the click, so a blank tab waits for it.
    render(wrap(<PaybisWidgetLauncher mode="new-tab" onOpen={onOpen} prefetch={false} />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith(SESSION.widgetUrl));
    expect(tab.opener).toBeNull();
    expect(onOpen).toHaveBeenCalledWith({ url: SESSION.widgetUrl, target: 'new-tab', fallback: null });
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle');
    expect(sdk.open).not.toHaveBeenCalled();
  });

  it('unmounting while the session loads cancels an overlay: nothing opens', async () => {
    let answer!: () => void;
    server.use(
      http.post(`${BACKEND}/v1/paybis/session`, async () => {
        await new Promise<void>((resolve) => (answer = resolve));
        return HttpResponse.json(SESSION);
      }),
    );
    const onError = vi.fn();
    const user = userEvent.setup();
    const { unmount } = render(wrap(<PaybisWidgetLauncher prefetch={false} onError={onError} />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(answer).toBeDefined());
    unmount();
    answer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sdk.open).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
  });

  it('unmounting does not stop a new-tab click: the tab still goes to the widget page', async () => {
    let answer!: () => void;
    server.use(
      http.post(`${BACKEND}/v1/paybis/session`, async () => {
        await new Promise<void>((resolve) => (answer = resolve));
        return HttpResponse.json(SESSION);
      }),
    );
    const tab = fakeTab();
    vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
    const onOpen = vi.fn();
    const user = userEvent.setup();
    const { unmount } = render(
      wrap(<PaybisWidgetLauncher mode="new-tab" prefetch={false} onOpen={onOpen} />),
    );
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(answer).toBeDefined());
    unmount();
    answer();
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith(SESSION.widgetUrl));
    expect(tab.close).not.toHaveBeenCalled();
    expect(onOpen).toHaveBeenCalledWith({ url: SESSION.widgetUrl, target: 'new-tab', fallback: null });
  });

  it('closes the overlay when it unmounts', async () => {
    answers();
    const user = userEvent.setup();
    const { unmount } = render(wrap(<PaybisWidgetLauncher />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(sdk.open).toHaveBeenCalled());
    unmount();
    expect(sdk.close).toHaveBeenCalledTimes(1);
  });

  it('renders its child with the behaviour when asChild is set, and forwards the ref', async () => {
    answers();
    const user = userEvent.setup();
    const ref = createRef<HTMLButtonElement>();
    render(
      wrap(
        <PaybisWidgetLauncher asChild ref={ref}>
          <button type="button" className="brand">
            Buy with Paybis
          </button>
        </PaybisWidgetLauncher>,
      ),
    );
    const button = screen.getByRole('button', { name: 'Buy with Paybis' });
    expect(ref.current).toBe(button);
    expect(button).toHaveClass('brand');
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'));
  });

  it('lets a click handler opt out with preventDefault', async () => {
    answers();
    const user = userEvent.setup();
    // Prefetch off: the hover before the click would otherwise fetch a session ahead.
    render(wrap(<PaybisWidgetLauncher prefetch={false} onClick={(e) => e.preventDefault()} />));
    await user.click(screen.getByRole('button'));
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle');
    expect(bodies).toHaveLength(0);
  });

  it('accepts the container as an element as well as a ref', async () => {
    answers();
    const user = userEvent.setup();
    const box = document.createElement('div');
    document.body.appendChild(box);
    render(wrap(<PaybisWidgetLauncher mode="embedded" container={box} />));
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(sdk.openInEmbed).toHaveBeenCalledWith(expect.anything(), box));
    box.remove();
  });

  it('checks the mode only in development builds', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      render(wrap(<PaybisWidgetLauncher mode={'popup' as never} />));
      expect(screen.getByRole('button')).toHaveAttribute('data-mode', 'popup');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('names a wrong mode', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(wrap(<PaybisWidgetLauncher mode={'popup' as never} />))).toThrow(
      /Invalid prop `mode`/,
    );
  });
});
