import type { HandoffClient } from '@handoff/core';
import { act, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandoffProvider, useHandoffClient, type HandoffProviderProps } from './handoff-provider.tsx';

const seen: HandoffClient[] = [];

function Probe() {
  seen.push(useHandoffClient());
  return <span>probe</span>;
}

const link = { url: 'https://portal.test/x', expiresAt: '2030-01-01T00:00:00Z' };

/** A fetch that records the Authorization header of each call. */
function recordingFetch() {
  const headers: Array<string | undefined> = [];
  const fetchSpy = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    headers.push((init?.headers as Record<string, string>).Authorization);
    return Response.json(link);
  });
  vi.stubGlobal('fetch', fetchSpy);
  return { headers, fetchSpy };
}

beforeEach(() => {
  seen.length = 0;
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('HandoffProvider', () => {
  it('keeps one client across renders while url and token stay the same', () => {
    const { rerender } = render(
      <HandoffProvider url="https://b.test" token="hc_a">
        <Probe />
      </HandoffProvider>,
    );
    rerender(
      <HandoffProvider url="https://b.test" token="hc_a">
        <Probe />
      </HandoffProvider>,
    );
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);

    rerender(
      <HandoffProvider url="https://b.test" token="hc_b">
        <Probe />
      </HandoffProvider>,
    );
    expect(seen[2]).not.toBe(seen[0]);
  });

  it('keeps the client when an inline getToken changes, and calls the latest one', async () => {
    const { headers } = recordingFetch();
    function App() {
      const [n, setN] = useState(1);
      return (
        <HandoffProvider url="https://b.test" getToken={() => `hc_v${n}`}>
          <Probe />
          <button type="button" onClick={() => setN(n + 1)}>
            next
          </button>
        </HandoffProvider>
      );
    }
    render(<App />);
    await seen[0]!.okepayLoginLink();
    act(() => screen.getByRole('button', { name: 'next' }).click());
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(seen[0]);
    await seen.at(-1)!.okepayLoginLink();
    expect(headers).toEqual(['Bearer hc_v1', 'Bearer hc_v2']);
  });

  it('accepts the auth object form and credentials="include"', async () => {
    const { fetchSpy } = recordingFetch();
    render(
      <HandoffProvider url="/handoff" credentials="include">
        <Probe />
      </HandoffProvider>,
    );
    await seen[0]!.okepayLoginLink();
    expect(fetchSpy.mock.calls[0]?.[1]?.credentials).toBe('include');

    render(
      <HandoffProvider url="https://b.test" auth={{ token: 'hc_obj' }}>
        <Probe />
      </HandoffProvider>,
    );
    const { headers } = recordingFetch();
    await seen[1]!.okepayLoginLink();
    expect(headers).toEqual(['Bearer hc_obj']);
  });

  it('uses a given client as is', () => {
    const client = { me: vi.fn() } as unknown as HandoffClient;
    render(
      <HandoffProvider client={client}>
        <Probe />
      </HandoffProvider>,
    );
    expect(seen[0]).toBe(client);
  });

  it.each<[HandoffProviderProps, RegExp]>([
    [{ token: 'hc_a' }, /`url` must be an absolute http\(s\) URL/],
    [{ url: 'javascript:alert(1)', token: 'hc_a' }, /`url` must be/],
    [{ url: 'https://b.test' }, /exactly one of `token`/],
    [{ url: 'https://b.test', token: 'hc_a', credentials: 'include' }, /exactly one of `token`/],
    [{ url: 'https://b.test', getToken: 'hc_a' as never }, /`getToken` \(a function\)/],
  ])('refuses a wrong setup %o with a message naming the prop', (props, message) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<HandoffProvider {...props} />)).toThrow(message);
  });
});

describe('useHandoffClient', () => {
  it('explains how to fix a missing provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Probe />)).toThrow(
      'useHandoffClient must be used inside <HandoffProvider>: wrap your app in <HandoffProvider url=… token=…>',
    );
  });
});
