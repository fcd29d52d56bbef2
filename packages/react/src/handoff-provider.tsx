import { createHandoffClient, type HandoffAuth, type HandoffClient } from '@handoff/core';
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';

export interface HandoffProviderProps {
  /** Where the Handoff backend is mounted: an absolute http(s) URL or a path such as `/handoff`. */
  url?: string;
  /** A customer token (`hc_…`) from the host app's server. */
  token?: string;
  /**
   * Returns a customer token; called before every request. May change between renders. Return a
   * kept token until it nearly expires: minting a new one on every call defeats prefetch.
   */
  getToken?: () => string | Promise<string>;
  /**
   * The host app's own endpoint answering `{ token, expiresAt }` for the signed-in customer
   * (fetched with the page's cookies, kept until shortly before it expires). A string, so a
   * Server Component can pass it.
   */
  tokenUrl?: string;
  /** `"include"`: authenticate with the host app's cookies (backend embedded in the host app). */
  credentials?: 'include';
  /** The same choice as one object, as `createHandoffClient` takes it. */
  auth?: HandoffAuth;
  /** A ready client (tests, stories, or an app that shares one); replaces `url` and auth. */
  client?: HandoffClient;
  children?: ReactNode;
}

const HandoffContext = createContext<HandoffClient | null>(null);

/**
 * Gives the components below it a backend client. The client is created once and kept while
 * `url` and the kind of auth stay the same; a new `getToken` function every render is fine.
 *
 * @example
 * <HandoffProvider url="https://pay.example.com" token={customerToken}>
 *   <ManageSubscriptionButton provider="okepay" />
 * </HandoffProvider>
 */
export function HandoffProvider({ url, client, auth, children, ...flat }: HandoffProviderProps): ReactNode {
  const { token, getToken, tokenUrl, credentials } = (auth ?? flat) as HandoffProviderProps;
  // The latest getToken, so an inline arrow function does not rebuild the client on every render.
  const latest = useRef(getToken);
  useEffect(() => {
    latest.current = getToken;
  });
  const kind = typeof getToken;
  const value = useMemo(
    () =>
      client ??
      createHandoffClient({
        url: url as string,
        auth: {
          token,
          tokenUrl,
          credentials,
          // Anything but a function is passed on as is, for the client to refuse it by name.
          getToken: kind === 'function' ? () => latest.current!() : latest.current,
        } as HandoffAuth,
      }),
    [client, url, token, tokenUrl, credentials, kind],
  );
  return <HandoffContext.Provider value={value}>{children}</HandoffContext.Provider>;
}

/** The client of the nearest `<HandoffProvider>`. */
export function useHandoffClient(): HandoffClient {
  const client = useContext(HandoffContext);
  if (!client) {
    throw new Error(
      process.env.NODE_ENV !== 'production'
        ? 'useHandoffClient must be used inside <HandoffProvider>: wrap your app in <HandoffProvider url=… token=…>'
        : 'Handoff: no <HandoffProvider>.',
    );
  }
  return client;
}
