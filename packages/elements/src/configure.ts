import { createHandoffClient, type HandoffAuth, type HandoffClient } from '@handoff/core';

/** `Handoff.configure(…)`: where the backend is and how the page proves which customer it is. */
export type HandoffConfig =
  | ({ url: string; fetch?: typeof fetch } & (
      | { token: string }
      | { getToken: () => string | Promise<string> }
      | { tokenUrl: string }
      | { credentials: 'include' }
    ))
  | { client: HandoffClient };

let configured: HandoffClient | undefined;

/**
 * Sets the backend client every Handoff element on the page uses (unless an element has its
 * own `url` and `token` attributes or `client` property). Call it again when the signed-in
 * customer changes: elements then drop anything they prefetched for the previous one.
 *
 * @example
 * Handoff.configure({ url: 'https://pay.example.com', getToken: () => fetchCustomerToken() });
 */
export function configure(config: HandoffConfig): HandoffClient {
  if ('client' in config) return (configured = config.client);
  const { url, fetch, ...auth } = config;
  return (configured = createHandoffClient({ url, auth: auth as HandoffAuth, fetch }));
}

/** The configured client, if any. */
export const configuredClient = (): HandoffClient | undefined => configured;
