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
import { openStore } from './store/index.ts';
import type { Store } from './store/types.ts';

export interface StartServerOptions {
  /** Use this store instead of opening `config.database` (the caller then closes it). */
  store?: Store;
  identify?: IdentifyCustomer;
  logger?: Logger;
  /** Outbound HTTP to the providers; default: keep-alive `node:http` (see `createNodeFetch`). */
  fetch?: typeof fetch;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787` (the real port when `config.port` was 0). */
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish, then closes the store it opened. */
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
  const app = createHandoff({
    config,
    store,
    logger,
    ...(options.identify ? { identify: options.identify } : {}),
    fetch: options.fetch ?? createNodeFetch(),
  });

  let server: ServerType;
  let address: AddressInfo;
  try {
    [server, address] = await new Promise<[ServerType, AddressInfo]>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
        resolve([s, info]),
      );
      s.once('error', reject);
      answerClientErrorsAsJson(s);
    });
  } catch (err) {
    if (ownStore) await store.close();
    throw err;
  }

  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info('listening', { url, database: config.database.kind });

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
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
