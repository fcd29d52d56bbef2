import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { ManageSubscriptionButton } from './manage-subscription-button.tsx';

afterEach(() => {
  vi.unstubAllGlobals();
});

// What a Server Component can render: only strings cross into the client components.
it('takes the customer token from tokenUrl, a string a Server Component can pass', async () => {
  const calls: Array<[string, string | undefined]> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push([url, (init?.headers as Record<string, string> | undefined)?.Authorization]);
      if (url === '/api/handoff-token') {
        return Response.json({ token: 'hc_minted', expiresAt: new Date(Date.now() + 900_000).toISOString() });
      }
      return Response.json({
        url: 'https://portal.test/x',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
    }),
  );
  vi.spyOn(window, 'open').mockReturnValue(null);
  render(
    <HandoffProvider url="https://pay.test" tokenUrl="/api/handoff-token">
      <ManageSubscriptionButton provider="okepay" prefetch={false} />
    </HandoffProvider>,
  );
  await userEvent.click(screen.getByRole('button', { name: 'Manage subscription' }));
  await vi.waitFor(() => expect(calls).toHaveLength(2));
  expect(calls).toEqual([
    ['/api/handoff-token', undefined],
    ['https://pay.test/v1/okepay/login-link', 'Bearer hc_minted'],
  ]);
});
