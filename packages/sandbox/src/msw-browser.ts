import { setupWorker, type SetupWorker } from 'msw/browser';
import type { Sandbox } from './index.ts';
import { sandboxHandlers, type SandboxHandlerOptions } from './msw-handlers.ts';

export { sandboxHandlers, OKEPAY_API_HOSTS, type SandboxHandlerOptions } from './msw-handlers.ts';

/**
 * A Service Worker (not yet started) that answers the real provider hosts, and the sandbox's own
 * baseUrl, from a sandbox running in the page: Storybook and the demo need no server for API
 * calls. MSW lets navigations through, so hosted pages opened in a window need the HTTP server.
 *
 * @example
 * await createSandboxWorker(createSandbox({ baseUrl: `${location.origin}/sandbox` })).start();
 */
export function createSandboxWorker(sandbox: Sandbox, options?: SandboxHandlerOptions): SetupWorker {
  return setupWorker(...sandboxHandlers(sandbox, options));
}
