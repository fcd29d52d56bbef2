import { HandoffProviderError, type HandoffError, type OpenResult } from '@handoff/core';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createRef, StrictMode, useState, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { fakeTab } from './test-support.ts';
import {
  ManageSubscriptionButton,
  type ManageSubscriptionButtonProps,
} from './manage-subscription-button.tsx';

const BACKEND = 'https://handoff.test';
const PORTAL = 'https://demo.okepay.info/portal?token=one-time';
const server = setupServer();
/** Every request the fake backend saw, in order. */
let requests: Request[] = [];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => {
    requests.push(request.clone());
  });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let tab: ReturnType<typeof fakeTab>;
let open: Mock;

beforeEach(() => {
  requests = [];
  tab = fakeTab();
  open = vi.fn(() => tab as unknown as Window);
  vi.spyOn(window, 'open').mockImplementation(open);
  window.location.hash = '';
});
afterEach(() => {
  vi.restoreAllMocks();
});

function okepayAnswers(url = PORTAL) {
  server.use(
    http.post(`${BACKEND}/v1/okepay/login-link`, () =>
      HttpResponse.json({ url, expiresAt: '2030-01-01T00:00:00Z' }),
    ),
  );
}

function neverAnswers() {
  server.use(
    http.post(`${BACKEND}/v1/okepay/login-link`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }),
  );
}

function fails(status: number, code: string, message: string) {
  server.use(
    http.post(`${BACKEND}/v1/okepay/login-link`, () =>
      HttpResponse.json({ error: { code, message } }, { status }),
    ),
  );
}

function wrap(ui: ReactNode) {
  return (
    <HandoffProvider url={BACKEND} token="hc_customer">
      {ui}
    </HandoffProvider>
  );
}

/** A menu that closes on any click inside it, unmounting its children with the click. */
function Menu({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(true);
  return shown ? <div onClick={() => setShown(false)}>{children}</div> : <p>closed</p>;
}

function renderButton(props: Partial<ManageSubscriptionButtonProps> = {}) {
  const all = { provider: 'okepay', ...props } as ManageSubscriptionButtonProps;
  return render(wrap(<ManageSubscriptionButton {...all} />));
}

async function noAxeViolations(container: HTMLElement) {
  const results = await axe.run(container);
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

describe('ManageSubscriptionButton', () => {
  it('renders an idle, accessible button with a default label', async () => {
    const { container } = renderButton();
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    expect(button).toHaveAttribute('type', 'button');
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(button).not.toHaveAttribute('aria-busy');
    expect(button).not.toHaveAttribute('aria-disabled');
    await noAxeViolations(container);
  });

  it('opens the tab inside the click, then sends it to the link', async () => {
    okepayAnswers();
    const onOpen = vi.fn();
    renderButton({ onOpen, children: 'Billing portal' });
    const button = screen.getByRole('button', { name: 'Billing portal' });
    act(() => button.click());
    // Synchronously in the click, before the backend answered.
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(tab.opener).toBeNull();
    expect(tab.location.replace).not.toHaveBeenCalled();

    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(1));
    expect(onOpen).toHaveBeenCalledWith({
      url: PORTAL,
      target: 'new-tab',
      fallback: null,
    } satisfies OpenResult);
    expect(tab.location.replace).toHaveBeenCalledWith(PORTAL);
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer hc_customer');
  });

  it('sends the request before it opens the tab, so the two overlap', async () => {
    okepayAnswers();
    const order: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((...args) => {
      order.push('fetch');
      return realFetch(...args);
    });
    open.mockImplementation(() => {
      order.push('open');
      return tab as unknown as Window;
    });
    const onOpen = vi.fn();
    renderButton({ onOpen, prefetch: false });
    act(() => screen.getByRole('button').click());
    expect(order).toEqual(['fetch', 'open']);
    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(1));
    expect(tab.location.replace).toHaveBeenCalledWith(PORTAL);
  });

  it('shows loading, ignores further clicks, and stays accessible', async () => {
    neverAnswers();
    const user = userEvent.setup();
    const { container } = renderButton();
    const button = screen.getByRole('button');
    await user.click(button);
    expect(button).toHaveAttribute('data-state', 'loading');
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(button).toHaveAttribute('aria-disabled', 'true');
    await user.click(button);
    await user.click(button);
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(open).toHaveBeenCalledTimes(1);
    await noAxeViolations(container);
  });

  it('shows the error, reports it, closes the pending tab, and retries on the next click', async () => {
    fails(502, 'provider_error', 'OkePay: Instance name or secret is wrong');
    const onError = vi.fn<(error: HandoffError) => void>();
    const onOpen = vi.fn();
    const user = userEvent.setup();
    // Prefetch off: one request per click (a failed prefetch on hover would be asked again).
    const { container } = renderButton({ onError, onOpen, prefetch: false });
    const button = screen.getByRole('button');
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    expect(button).not.toHaveAttribute('aria-busy');
    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0]![0];
    expect(error).toBeInstanceOf(HandoffProviderError);
    expect(error).toMatchObject({ code: 'provider_error', status: 502 });
    expect(tab.close).toHaveBeenCalledTimes(1);
    expect(tab.location.replace).not.toHaveBeenCalled();
    expect(onOpen).not.toHaveBeenCalled();
    await noAxeViolations(container);

    okepayAnswers();
    tab = fakeTab();
    await user.click(button);
    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(1));
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(requests).toHaveLength(2);
  });

  it('falls back to the current tab when the popup is blocked, and says so', async () => {
    const sameOrigin = `${window.location.origin}/#okepay-portal`;
    okepayAnswers(sameOrigin);
    open.mockReturnValue(null);
    const onOpen = vi.fn();
    const user = userEvent.setup();
    renderButton({ onOpen });
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(1));
    expect(onOpen).toHaveBeenCalledWith({ url: sameOrigin, target: 'same-tab', fallback: 'popup_blocked' });
    expect(window.location.href).toBe(sameOrigin);
  });

  it('navigates the current tab with target="same-tab" without opening a window', async () => {
    const sameOrigin = `${window.location.origin}/#same-tab`;
    okepayAnswers(sameOrigin);
    const onOpen = vi.fn();
    const user = userEvent.setup();
    renderButton({ onOpen, target: 'same-tab' });
    await user.click(screen.getByRole('button'));
    await waitFor(() =>
      expect(onOpen).toHaveBeenCalledWith({ url: sameOrigin, target: 'same-tab', fallback: null }),
    );
    expect(open).not.toHaveBeenCalled();
    expect(window.location.href).toBe(sameOrigin);
  });

  it('asks for 2Checkout single sign-on with the subscription and page', async () => {
    const link = 'https://secure.2checkout.test/myaccount/?sso=abc';
    server.use(
      http.post(`${BACKEND}/v1/2checkout/sso`, () =>
        HttpResponse.json({ url: link, expiresAt: '2030-01-01T00:00:00Z' }),
      ),
    );
    const onOpen = vi.fn();
    const user = userEvent.setup();
    renderButton({
      provider: '2checkout',
      subscriptionReference: 'SUB123',
      accessPage: 'change_card',
      validityTime: 60,
      onOpen,
    });
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(onOpen).toHaveBeenCalled());
    expect(await requests[0]!.json()).toEqual({
      subscriptionReference: 'SUB123',
      accessPage: 'change_card',
      validityTime: 60,
    });
    expect(tab.location.replace).toHaveBeenCalledWith(link);
  });

  it('under StrictMode makes exactly one request per click', async () => {
    okepayAnswers();
    const onOpen = vi.fn();
    const user = userEvent.setup();
    render(<StrictMode>{wrap(<ManageSubscriptionButton provider="okepay" onOpen={onOpen} />)}</StrictMode>);
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(1));
    expect(requests).toHaveLength(1);
    expect(open).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(onOpen).toHaveBeenCalledTimes(2));
    expect(requests).toHaveLength(2);
  });

  it('finishes a click that unmounts its button: the tab goes to the link and onOpen reports it', async () => {
    okepayAnswers();
    const onOpen = vi.fn();
    const onError = vi.fn();
    const user = userEvent.setup();
    // A menu that closes on any click inside it: the click also unmounts the button.
    render(
      wrap(
        <Menu>
          <ManageSubscriptionButton provider="okepay" prefetch={false} onOpen={onOpen} onError={onError} />
        </Menu>,
      ),
    );
    await user.click(screen.getByRole('button'));
    expect(screen.queryByRole('button')).toBeNull();
    expect(open).toHaveBeenCalledWith('', '_blank');
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith(PORTAL));
    expect(tab.close).not.toHaveBeenCalled();
    expect(onOpen).toHaveBeenCalledWith({ url: PORTAL, target: 'new-tab', fallback: null });
    expect(onError).not.toHaveBeenCalled();
  });

  it('after unmount still closes the tab of a failed request, and onError reports it', async () => {
    let answer!: () => void;
    server.use(
      http.post(`${BACKEND}/v1/okepay/login-link`, async () => {
        await new Promise<void>((resolve) => (answer = resolve));
        return HttpResponse.json({ error: { code: 'provider_error', message: 'down' } }, { status: 502 });
      }),
    );
    const onError = vi.fn();
    const user = userEvent.setup();
    const { unmount } = renderButton({ onError, prefetch: false });
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(answer).toBeDefined());
    unmount();
    answer();
    await waitFor(() => expect(tab.close).toHaveBeenCalledTimes(1));
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'provider_error' }));
    expect(tab.location.replace).not.toHaveBeenCalled();
  });

  it('after unmount still navigates this page with target="same-tab"', async () => {
    const sameOrigin = `${window.location.origin}/#same-tab-after-unmount`;
    okepayAnswers(sameOrigin);
    const user = userEvent.setup();
    render(
      wrap(
        <Menu>
          <ManageSubscriptionButton provider="okepay" target="same-tab" prefetch={false} />
        </Menu>,
      ),
    );
    await user.click(screen.getByRole('button'));
    expect(screen.queryByRole('button')).toBeNull();
    await waitFor(() => expect(window.location.href).toBe(sameOrigin));
  });

  it('composes the user onClick: called first, and preventDefault() cancels opening', async () => {
    okepayAnswers();
    const order: string[] = [];
    const user = userEvent.setup();
    const { rerender } = render(
      wrap(
        <ManageSubscriptionButton
          provider="okepay"
          onClick={() => order.push('user')}
          onOpen={() => order.push('open')}
        />,
      ),
    );
    await user.click(screen.getByRole('button'));
    await waitFor(() => expect(order).toEqual(['user', 'open']));

    rerender(
      wrap(<ManageSubscriptionButton provider="okepay" onClick={(event) => event.preventDefault()} />),
    );
    await user.click(screen.getByRole('button'));
    expect(open).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle');
    expect(requests).toHaveLength(1);
  });

  it('forwards its ref to the button and spreads other props', () => {
    const ref = createRef<HTMLButtonElement>();
    render(
      wrap(
        <ManageSubscriptionButton
          provider="okepay"
          ref={ref}
          className="cta"
          id="manage"
          aria-label="Manage billing"
        />,
      ),
    );
    const button = screen.getByRole('button', { name: 'Manage billing' });
    expect(ref.current).toBe(button);
    expect(button).toHaveClass('cta');
    expect(button).toHaveAttribute('id', 'manage');
  });

  it('renders its child with the behaviour when asChild is set', async () => {
    okepayAnswers();
    const ref = createRef<HTMLButtonElement>();
    const childRef = createRef<HTMLAnchorElement>();
    const childClick = vi.fn();
    const onOpen = vi.fn();
    const user = userEvent.setup();
    const { container } = render(
      wrap(
        <ManageSubscriptionButton provider="okepay" asChild ref={ref} className="outer" onOpen={onOpen}>
          <a href="#billing" ref={childRef} className="inner" onClick={childClick}>
            Billing
          </a>
        </ManageSubscriptionButton>,
      ),
    );
    const link = screen.getByRole('link', { name: 'Billing' });
    expect(screen.queryByRole('button')).toBeNull();
    expect(link).toHaveAttribute('data-state', 'idle');
    expect(link).toHaveClass('outer', 'inner');
    expect(ref.current).toBe(link);
    expect(childRef.current).toBe(link);
    await user.click(link);
    expect(childClick).toHaveBeenCalledTimes(1);
    await waitFor(() =>
      expect(onOpen).toHaveBeenCalledWith({ url: PORTAL, target: 'new-tab', fallback: null }),
    );
    await noAxeViolations(container);
  });

  it('lets an asChild child cancel the behaviour with preventDefault()', async () => {
    const user = userEvent.setup();
    render(
      wrap(
        // Prefetch off: the hover before the click would otherwise fetch a link ahead.
        <ManageSubscriptionButton provider="okepay" asChild prefetch={false}>
          <button type="button" onClick={(event) => event.preventDefault()}>
            Mine
          </button>
        </ManageSubscriptionButton>,
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Mine' }));
    expect(open).not.toHaveBeenCalled();
    expect(requests).toHaveLength(0);
  });
});

describe('ManageSubscriptionButton props', () => {
  beforeEach(() => {
    // React logs the render error before rethrowing it; the assertion below is what matters.
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });

  it.each([
    [{ provider: 'stripe' }, /Invalid prop `provider`.*"okepay" or "2checkout", got "stripe"/],
    [{ provider: undefined }, /Invalid prop `provider`/],
    [{ provider: '2checkout' }, /Invalid prop `subscriptionReference`/],
    [{ provider: '2checkout', subscriptionReference: '  ' }, /Invalid prop `subscriptionReference`/],
    [{ provider: 'okepay', subscriptionReference: 'SUB1' }, /`subscriptionReference`.*"2checkout"/],
    [
      { provider: '2checkout', subscriptionReference: 'S', accessPage: 'home' },
      /Invalid prop `accessPage`.*change_card/,
    ],
    [{ provider: '2checkout', subscriptionReference: 'S', validityTime: 4 }, /Invalid prop `validityTime`/],
    [{ provider: '2checkout', subscriptionReference: 'S', validityTime: 301 }, /Invalid prop `validityTime`/],
    [{ provider: '2checkout', subscriptionReference: 'S', validityTime: 7.5 }, /Invalid prop `validityTime`/],
    [{ provider: 'okepay', target: '_blank' }, /Invalid prop `target`/],
  ])('refuses %o', (props, message) => {
    expect(() =>
      render(wrap(<ManageSubscriptionButton {...(props as ManageSubscriptionButtonProps)} />)),
    ).toThrow(message);
  });

  it('accepts every documented 2Checkout access page', () => {
    for (const accessPage of ['view_order', 'change_card', 'faq'] as const) {
      const { unmount } = render(
        wrap(
          <ManageSubscriptionButton provider="2checkout" subscriptionReference="S" accessPage={accessPage} />,
        ),
      );
      expect(screen.getByRole('button')).toBeInTheDocument();
      unmount();
    }
  });

  it('in production skips the checks and lets the backend refuse, reported through onError', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      server.use(
        http.post(`${BACKEND}/v1/2checkout/sso`, () =>
          HttpResponse.json(
            { error: { code: 'bad_request', message: 'accessPage: Invalid option' } },
            { status: 400 },
          ),
        ),
      );
      const onError = vi.fn<(error: HandoffError) => void>();
      const props = { provider: '2checkout', subscriptionReference: 'S', accessPage: 'home', onError };
      render(wrap(<ManageSubscriptionButton {...(props as unknown as ManageSubscriptionButtonProps)} />));
      await userEvent.setup().click(screen.getByRole('button'));
      await waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'bad_request', status: 400 });
      expect(tab.close).toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('with asChild needs exactly one element as its child', () => {
    expect(() =>
      render(
        wrap(
          <ManageSubscriptionButton provider="okepay" asChild>
            text
          </ManageSubscriptionButton>,
        ),
      ),
    ).toThrow('`asChild` needs exactly one React element');
  });

  it('needs a HandoffProvider', () => {
    expect(() => render(<ManageSubscriptionButton provider="okepay" />)).toThrow(
      'useHandoffClient must be used inside <HandoffProvider>: wrap your app in <HandoffProvider url=… token=…>',
    );
  });
});
