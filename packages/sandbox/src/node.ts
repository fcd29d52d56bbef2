import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { SandboxConnectionReset } from './http.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from './index.ts';

export interface SandboxServerOptions extends Omit<SandboxOptions, 'baseUrl'> {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Public origin, when the sandbox sits behind a proxy; default the listening origin. */
  baseUrl?: string;
}

export interface SandboxServer {
  /** The listening origin with a trailing slash, e.g. `http://127.0.0.1:8790/`. */
  url: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Serves the sandbox over Node HTTP. Injected connection resets destroy the socket, so clients
 * see a real network failure; the provider simulators learn each request's IP from the socket.
 *
 * @example
 * const { url, sandbox, close } = await startSandboxServer({ port: 0 });
 */
export async function startSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const { port = 0, host = '127.0.0.1', baseUrl: publicBase, clientIp: userClientIp, ...rest } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be 0..65535, got ${port}.`);

  const remoteIps = new WeakMap<Request, string>();
  // The sandbox needs the listening port for its links, so it is created once the server listens.
  const ref: { sandbox?: Sandbox } = {};

  const server = createAdaptorServer({
    hostname: host,
    fetch: async (request: Request, env: HttpBindings | unknown) => {
      const incoming = (env as HttpBindings).incoming;
      const remote = incoming.socket.remoteAddress;
      if (remote)
        remoteIps.set(
          request,
          remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote,
        );
      try {
        return await ref.sandbox!.fetch(request);
      } catch (err) {
        if (err instanceof SandboxConnectionReset) {
          incoming.socket.destroy();
          return new Response(null, { status: 500 });
        }
        throw err;
      }
    },
  }) as Server;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${hostForUrl(host)}:${address.port}`;

  const sandbox = createSandbox({
    ...rest,
    baseUrl: publicBase ?? origin,
    clientIp: (request) => userClientIp?.(request) ?? remoteIps.get(request) ?? null,
  });
  ref.sandbox = sandbox;

  return {
    url: `${origin}/`,
    sandbox,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
