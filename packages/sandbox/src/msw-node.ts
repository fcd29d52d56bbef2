import { setupServer, type SetupServer } from 'msw/node';
import type { Sandbox } from './index.ts';
import { sandboxHandlers, type SandboxHandlerOptions } from './msw-handlers.ts';

export { sandboxHandlers, OKEPAY_API_HOSTS, type SandboxHandlerOptions } from './msw-handlers.ts';

/**
 * An MSW server (not yet listening) that answers the real provider hosts from the sandbox.
 *
 * @example
 * const server = createSandboxMswServer(createSandbox());
 * server.listen({ onUnhandledRequest: 'error' });
 */
export function createSandboxMswServer(sandbox: Sandbox, options?: SandboxHandlerOptions): SetupServer {
  return setupServer(...sandboxHandlers(sandbox, options));
}
