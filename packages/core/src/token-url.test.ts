import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandoffClient, tokenFromUrl } from './client.ts';
import { HandoffAuthError } from './errors.ts';

const link = { url: 'https://portal.test/x', expiresAt: '2030-01-01T00:00:00.000Z' };

/** The host app: its token endpoint answers `tokens` in turn; the backend answers `link`. */
function host(tokens: Array<{ token: string; expiresAt: string } | number>) {
  const tokenRequests: RequestInit[] = [];
  const authorizations: string[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url === '/api/handoff-token') {
      tokenRequests.push(init ?? {});
      const next = tokens.shift();
      if (typeof next === 'number' || next === undefined) {
        return Response.json(
          { error: { code: 'unauthorized', message: 'sign in' } },
          { status: next ?? 500 },
        );
      }
      return Response.json(next);
    }
    authorizations.push((init?.headers as Record<string, string>).Authorization!);
    return Response.json(link);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, tokenRequests, authorizations };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('tokenUrl: the token from the host app’s own endpoint', () => {
  it('fetches it with the page’s cookies, keeps it until 30 s before it expires, then fetches again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-01-01T00:00:00.000Z') });
    const app = host([
      { token: 'hc_first', expiresAt: '2030-01-01T00:15:00.000Z' },
      { token: 'hc_second', expiresAt: '2030-01-01T00:30:00.000Z' },
    ]);
    const client = createHandoffClient({
      url: 'https://pay.test',
      auth: { tokenUrl: '/api/handoff-token' },
      fetch: app.fetch,
    });

    await client.okepayLoginLink();
    await client.okepayLoginLink();
    expect(app.tokenRequests).toHaveLength(1);
    expect(app.tokenRequests[0]).toMatchObject({ credentials: 'same-origin', cache: 'no-store' });

    vi.setSystemTime(new Date('2030-01-01T00:14:31.000Z'));
    await client.okepayLoginLink();
    expect(app.authorizations).toEqual(['Bearer hc_first', 'Bearer hc_first', 'Bearer hc_second']);
  });

  it('makes one request for callers waiting at once', async () => {
    const app = host([{ token: 'hc_one', expiresAt: new Date(Date.now() + 600_000).toISOString() }]);
    const getToken = tokenFromUrl('/api/handoff-token', app.fetch);
    await expect(Promise.all([getToken(), getToken(), getToken()])).resolves.toEqual([
      'hc_one',
      'hc_one',
      'hc_one',
    ]);
    expect(app.tokenRequests).toHaveLength(1);
  });

  it('a refused token request is an auth error, and the next call asks again', async () => {
    const app = host([401, { token: 'hc_later', expiresAt: new Date(Date.now() + 600_000).toISOString() }]);
    const client = createHandoffClient({
      url: 'https://pay.test',
      auth: { tokenUrl: '/api/handoff-token' },
      fetch: app.fetch,
    });
    await expect(client.okepayLoginLink()).rejects.toBeInstanceOf(HandoffAuthError);
    await expect(client.okepayLoginLink()).resolves.toEqual(link);
    expect(app.authorizations).toEqual(['Bearer hc_later']);
  });

  it('is refused unless it is an http(s) URL or a path', () => {
    for (const tokenUrl of ['javascript:alert(1)', '//evil.test/token', '']) {
      expect(() => createHandoffClient({ url: 'https://pay.test', auth: { tokenUrl } }), tokenUrl).toThrow(
        /tokenUrl/,
      );
    }
    expect(() =>
      createHandoffClient({ url: 'https://pay.test', auth: { tokenUrl: '/t', token: 'hc_x' } as never }),
    ).toThrow(/exactly one/);
  });
});
