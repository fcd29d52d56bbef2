import { createHandoffClient, type HandoffAuth, type HandoffClient } from '@handoff/core';
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';

export interface HandoffProviderProps {
  /** Where the Handoff backend is mounted: an absolute http(s) URL or a path such as `/handoff`. */
  url?: string;
  /** A customer token (`hc_…`) from the host app's server. */
  token?: string;
  /** Returns a fresh customer token; called before every request. May change between renders. */
  getToken?: () => string | Promise<string>;
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
export function HandoffProvider(props: HandoffProviderProps): ReactNode {
  const { url, client, children } = props;
  const auth: Partial<Record<'token' | 'getToken' | 'credentials', unknown>> = props.auth ?? props;
  const { token, credentials } = auth;
  const getTokenKind = typeof auth.getToken;

  // The latest getToken, so an inline arrow function does not rebuild the client on every render.
  const getTokenRef = useRef(auth.getToken);
  useEffect(() => {
    getTokenRef.current = auth.getToken;
  });

  const created = useMemo(() => {
    if (client) return client;
    const chosen = {
      ...(token !== undefined && { token }),
      // Anything but a function goes to the client as is, so it is refused there with a clear message.
      ...(getTokenKind !== 'undefined' && {
        getToken:
          getTokenKind === 'function'
            ? () => (getTokenRef.current as () => string | Promise<string>)()
            : getTokenKind,
      }),
      ...(credentials !== undefined && { credentials }),
    } as HandoffAuth;
    try {
      return createHandoffClient({ url: url as string, auth: chosen });
    } catch (error) {
      throw new TypeError(
        `<HandoffProvider> needs \`url\` and one of \`token\`, \`getToken\` or \`credentials="include"\` (or a \`client\`): ${(error as Error).message.replace(/^Handoff: /, '')}`,
      );
    }
  }, [client, url, token, getTokenKind, credentials]);

  return <HandoffContext.Provider value={created}>{children}</HandoffContext.Provider>;
}

/** The client of the nearest `<HandoffProvider>`. */
export function useHandoffClient(): HandoffClient {
  const client = useContext(HandoffContext);
  if (!client) {
    throw new Error(
      'useHandoffClient must be used inside <HandoffProvider>: wrap your app in <HandoffProvider url=… token=…>',
    );
  }
  return client;
}
