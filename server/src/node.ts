import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createHandoff } from './app.ts';
import { environmentSecrets } from './connections/environment.ts';
import { storedConnectionProblems } from './connections/service.ts';
import { loadConfig, type HandoffConfig } from './config.ts';
import type { IdentifyCustomer } from './context.ts';
import { answerClientErrorsAsJson } from './http/client-errors.ts';
import { createNodeFetch } from './http/node-fetch.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { metricsResponse } from './observability/routes.ts';
import { configuredProviders, logStartupSummary, serverVersion } from './observability/startup-summary.ts';
import { openStore } from './store/index.ts';
import type { Store } from './store/types.ts';

export interface StartServerOptions {
  /** Use this store instead of opening `config.database` (the caller then closes it). */
  store?: Store;
  identify?: IdentifyCustomer;
  logger?: Logger;
  /** Outbound HTTP to the providers; default: keep-alive `node:http` (see `createNodeFetch`). */
  fetch?: typeof fetch;
  /** Where to count; default: a registry of this server's own, with Node's process metrics. */
  metrics?: Metrics;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787` (the real port when `config.port` was 0). */
  url: string;
  port: number;
  /** The separate metrics listener's base URL, when `config.metrics.port` is set. */
  metricsUrl?: string;
  /**
   * Stops accepting connections, lets requests in flight finish (for `config.shutdownTimeoutMs`
   * at most, then cuts them), then closes the store it opened.
   */
  close(): Promise<void>;
}

/**
 * Runs the Handoff backend on Node: loads the configuration from the environment (unless given),
 * opens and migrates the store, and serves the app.
 *
 * @example
 * const server = await startServer({ ...loadConfig(), port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(
  config: HandoffConfig = loadConfig(),
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, secrets: environmentSecrets(config) });
  const ownStore = options.store === undefined;
  const store = options.store ?? (await openStore(config.database));
  try {
    for (const problem of await storedConnectionProblems({
      store: store.connections,
      keyring: config.encryption,
    })) {
      logger.error('stored provider connections cannot be read', { problem });
    }
  } catch (err) {
    if (ownStore) await store.close();
    throw err;
  }
  const metrics = options.metrics ?? createMetrics({ process: true });
  const app = createHandoff({
    config,
    store,
    logger,
    metrics,
    ...(options.identify ? { identify: options.identify } : {}),
    fetch: options.fetch ?? createNodeFetch(),
  });

  let server: ServerType;
  let address: AddressInfo;
  let metricsListener: [ServerType, AddressInfo] | null = null;
  let providers: Record<string, string[]>;
  try {
    providers = await configuredProviders(config, store.connections);
    [server, address] = await listen(app.fetch, config.port, config.host);
    if (config.metrics.port !== null) {
      metricsListener = await listen(
        (request) =>
          new URL(request.url).pathname === '/metrics'
            ? metricsResponse(metrics)
            : Response.json({ error: { code: 'not_found', message: 'No such route.' } }, { status: 404 }),
        config.metrics.port,
        config.metrics.host,
      ).catch(async (err: unknown) => {
        await closeListener(server, 0);
        throw err;
      });
    }
  } catch (err) {
    if (ownStore) await store.close();
    throw err;
  }

  const url = urlOf(address);
  const metricsUrl = metricsListener ? urlOf(metricsListener[1]) : undefined;
  logStartupSummary(logger, {
    version: serverVersion(),
    url,
    database: config.database.kind,
    providers,
    ...(metricsUrl !== undefined ? { metricsUrl: `${metricsUrl}/metrics` } : {}),
  });

  // Expired sessions are useless but would pile up; sweep them hourly (a day after expiry, so
  // a recent 401 can still be told apart from an unknown token while investigating).
  const sweep = async () => {
    try {
      const purged = await store.purgeExpired(new Date(Date.now() - 86_400_000));
      if (purged > 0) logger.info('purged expired sessions', { count: purged });
    } catch (err) {
      logger.warn('purging expired sessions failed', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const sweeper = setInterval(() => void sweep(), 3_600_000);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    ...(metricsUrl !== undefined ? { metricsUrl } : {}),
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        const drained = await closeListener(server, config.shutdownTimeoutMs);
        if (metricsListener) await closeListener(metricsListener[0], 0);
        // Only now: every request that was let finish has written what it had to.
        if (ownStore) await store.close();
        if (drained) logger.info('stopped: requests drained, database closed');
        else
          logger.warn('stopped: requests still running were cut after the shutdown timeout', {
            timeoutMs: config.shutdownTimeoutMs,
          });
      })();
      return closing;
    },
  };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<[ServerType, AddressInfo]> {
  return new Promise((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, (info) => resolve([s, info]));
    s.once('error', reject);
    answerClientErrorsAsJson(s);
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Stops accepting connections and waits for the requests in flight (idle keep-alive connections
 * close at once); after `timeoutMs` the remaining connections are cut. Resolves to whether every
 * request finished on its own.
 */
function closeListener(server: ServerType, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let drained = true;
    const timer = setTimeout(() => {
      drained = false;
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, timeoutMs);
    // A keep-alive connection whose request finishes after close() began would otherwise stay
    // open until its idle timeout: close such connections as they become idle.
    const idle = setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 50);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idle);
      resolve(drained);
    });
  });
}
