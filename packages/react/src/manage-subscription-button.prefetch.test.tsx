import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { useState, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { ManageSubscriptionButton } from './manage-subscription-button.tsx';
import { fakeTab } from './test-support.ts';

const BACKEND = 'https://handoff.test';
const server = setupServer();
let requests: Array<{ path: string; body: unknown }> = [];
let issued = 0;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

beforeEach(() => {
  requests = [];
  issued = 0;
  server.use(
    http.post(`${BACKEND}/v1/*`, async ({ request }) => {
      const path = new URL(request.url).pathname;
      requests.push({ path, body: await request.json() });
      return HttpResponse.json({
        url: `https://provider.test/login/${++issued}`,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
    }),
  );
});

let tab: ReturnType<typeof fakeTab>;
beforeEach(() => {
  tab = fakeTab();
  vi.spyOn(window, 'open').mockImplementation(() => tab as unknown as Window);
});
afterEach(() => {
  server.resetHandlers();
  vi.restoreAllMocks();
});

const wrap = (ui: ReactNode, token = 'hc_customer') => (
  <HandoffProvider url={BACKEND} token={token}>
    {ui}
  </HandoffProvider>
);

/** A menu that closes on any click inside it, unmounting its children with the click. */
function Menu({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(true);
  return shown ? <div onClick={() => setShown(false)}>{children}</div> : <p>closed</p>;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('ManageSubscriptionButton prefetch', () => {
  it('fetches the OkePay link when the pointer rests on it; the click opens it with no new request', async () => {
    render(wrap(<ManageSubscriptionButton provider="okepay" />));
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    fireEvent.pointerEnter(button);
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    fireEvent.click(button);
    // The link is in hand: the tab opens straight at it, with no blank tab to navigate.
    expect(window.open).toHaveBeenCalledWith('https://provider.test/login/1', '_blank');
    expect(window.open).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'idle'));
    expect(tab.location.replace).not.toHaveBeenCalled();
    expect(requests).toHaveLength(1);
  });

  it('fetches on keyboard focus, and uses a link once', async () => {
    render(wrap(<ManageSubscriptionButton provider="okepay" />));
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    fireEvent.focus(button);
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    fireEvent.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'idle'));
    fireEvent.click(button);
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledTimes(1));
    // The first click opens the prefetched link; the second asks afresh, through a blank tab.
    expect(vi.mocked(window.open).mock.calls).toEqual([
      ['https://provider.test/login/1', '_blank'],
      ['', '_blank'],
    ]);
    expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/login/2');
    expect(requests).toHaveLength(2);
  });

  it('keeps the user’s pointer and focus handlers', async () => {
    const onPointerEnter = vi.fn();
    const onFocus = vi.fn();
    render(
      wrap(<ManageSubscriptionButton provider="okepay" onPointerEnter={onPointerEnter} onFocus={onFocus} />),
    );
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    fireEvent.pointerEnter(button);
    fireEvent.focus(button);
    expect(onPointerEnter).toHaveBeenCalledTimes(1);
    expect(onFocus).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(requests).toHaveLength(1));
  });

  it('is off with prefetch={false}', async () => {
    render(wrap(<ManageSubscriptionButton provider="okepay" prefetch={false} />));
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Manage subscription' }));
    await settled();
    expect(requests).toHaveLength(0);
  });

  it('is opt-in for 2Checkout, and only with a validityTime of 30 s or more', async () => {
    render(
      wrap(
        <>
          <ManageSubscriptionButton provider="2checkout" subscriptionReference="S-1" validityTime={300}>
            Default
          </ManageSubscriptionButton>
          <ManageSubscriptionButton
            provider="2checkout"
            subscriptionReference="S-1"
            accessPage="change_card"
            prefetch
            validityTime={60}
          >
            Long
          </ManageSubscriptionButton>
        </>,
      ),
    );
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Default' }));
    await settled();
    expect(requests).toHaveLength(0);
    const long = screen.getByRole('button', { name: 'Long' });
    fireEvent.pointerEnter(long);
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]).toEqual({
      path: '/v1/2checkout/sso',
      body: { subscriptionReference: 'S-1', accessPage: 'change_card', validityTime: 60 },
    });
    await settled();
    fireEvent.click(long);
    expect(window.open).toHaveBeenCalledWith('https://provider.test/login/1', '_blank');
    expect(requests).toHaveLength(1);
  });

  it('keeps a 2Checkout link no longer than validityTime from its request, whatever the clocks', async () => {
    // This page's clock is a minute behind the server's: the link's expiresAt looks 90 s away.
    server.use(
      http.post(`${BACKEND}/v1/2checkout/sso`, async ({ request }) => {
        requests.push({ path: new URL(request.url).pathname, body: await request.json() });
        return HttpResponse.json({
          url: `https://provider.test/login/${++issued}`,
          expiresAt: new Date(Date.now() + 90_000).toISOString(),
        });
      }),
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      render(
        wrap(
          <ManageSubscriptionButton
            provider="2checkout"
            subscriptionReference="S-1"
            prefetch
            validityTime={30}
          />,
        ),
      );
      const button = screen.getByRole('button');
      fireEvent.pointerEnter(button);
      await waitFor(() => expect(requests).toHaveLength(1));
      await settled();
      vi.setSystemTime(Date.now() + 26_000);
      fireEvent.click(button);
      expect(window.open).toHaveBeenCalledWith('', '_blank');
      await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/login/2'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses prefetch with a 2Checkout validityTime under 30 s (development builds)', () => {
    expect(() =>
      render(
        wrap(
          <ManageSubscriptionButton
            provider="2checkout"
            subscriptionReference="S-1"
            prefetch
            validityTime={10}
          />,
        ),
      ),
    ).toThrow('Invalid prop `validityTime`');
    expect(() =>
      render(wrap(<ManageSubscriptionButton provider="2checkout" subscriptionReference="S-1" prefetch />)),
    ).toThrow('Invalid prop `validityTime`');
  });

  it('never closes a tab opened at a prefetched link when the click unmounts the button', async () => {
    const onOpen = vi.fn();
    render(
      wrap(
        <Menu>
          <ManageSubscriptionButton provider="okepay" onOpen={onOpen} />
        </Menu>,
      ),
    );
    fireEvent.pointerEnter(screen.getByRole('button'));
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    fireEvent.click(screen.getByRole('button'));
    expect(screen.queryByRole('button')).toBeNull();
    expect(window.open).toHaveBeenCalledWith('https://provider.test/login/1', '_blank');
    await settled();
    expect(tab.close).not.toHaveBeenCalled();
    expect(onOpen).toHaveBeenCalledWith({
      url: 'https://provider.test/login/1',
      target: 'new-tab',
      fallback: null,
    });
    expect(requests).toHaveLength(1);
  });

  it('does not use a link fetched for another customer', async () => {
    const { rerender } = render(wrap(<ManageSubscriptionButton provider="okepay" />, 'hc_first'));
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Manage subscription' }));
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    rerender(wrap(<ManageSubscriptionButton provider="okepay" />, 'hc_second'));
    fireEvent.click(screen.getByRole('button', { name: 'Manage subscription' }));
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/login/2'));
    expect(requests).toHaveLength(2);
  });

  it('with getToken, never opens a link fetched for the customer signed in before', async () => {
    server.use(
      http.post(`${BACKEND}/v1/okepay/login-link`, ({ request }) => {
        const token = request.headers.get('authorization')!.slice('Bearer '.length);
        requests.push({ path: new URL(request.url).pathname, body: token });
        return HttpResponse.json({
          url: `https://provider.test/portal-of/${token}`,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
      }),
    );
    let signedIn = 'hc_alice';
    const ui = () => (
      <HandoffProvider url={BACKEND} getToken={() => signedIn}>
        <ManageSubscriptionButton provider="okepay" />
      </HandoffProvider>
    );
    const { rerender } = render(ui());
    fireEvent.pointerEnter(screen.getByRole('button'));
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    // Alice signs out and Bob signs in, without a reload: the same client serves him.
    signedIn = 'hc_bob';
    rerender(ui());
    fireEvent.click(screen.getByRole('button'));
    // The tab opens blank inside the click, not at Alice's link.
    expect(window.open).toHaveBeenCalledWith('', '_blank');
    await waitFor(() =>
      expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/portal-of/hc_bob'),
    );
    expect(tab.location.replace).toHaveBeenCalledTimes(1);
    expect(requests.map((r) => r.body)).toEqual(['hc_alice', 'hc_bob']);
  });

  it('with getToken, still uses a link fetched for the same customer', async () => {
    const getToken = vi.fn(() => 'hc_alice');
    render(
      <HandoffProvider url={BACKEND} getToken={getToken}>
        <ManageSubscriptionButton provider="okepay" />
      </HandoffProvider>,
    );
    fireEvent.pointerEnter(screen.getByRole('button'));
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    fireEvent.click(screen.getByRole('button'));
    expect(window.open).toHaveBeenCalledWith('', '_blank');
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/login/1'));
    expect(requests).toHaveLength(1);
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it('does not use a link about to expire', async () => {
    server.use(
      http.post(`${BACKEND}/v1/okepay/login-link`, async ({ request }) => {
        requests.push({ path: new URL(request.url).pathname, body: await request.json() });
        ++issued;
        const expiresIn = issued === 1 ? 2_000 : 60_000;
        return HttpResponse.json({
          url: `https://provider.test/login/${issued}`,
          expiresAt: new Date(Date.now() + expiresIn).toISOString(),
        });
      }),
    );
    render(wrap(<ManageSubscriptionButton provider="okepay" />));
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    fireEvent.pointerEnter(button);
    await waitFor(() => expect(requests).toHaveLength(1));
    await settled();
    fireEvent.click(button);
    await waitFor(() => expect(tab.location.replace).toHaveBeenCalledWith('https://provider.test/login/2'));
  });
});
