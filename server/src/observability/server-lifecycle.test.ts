import { afterEach, describe, expect, it } from 'vitest';
import { configWithProviders } from '../auth/test-identity.ts';
import { loadConfig, type HandoffConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startServer, type RunningServer } from '../node.ts';
import { configuredProviders } from './startup-summary.ts';
import packageJson from '../../package.json' with { type: 'json' };

type Line = Record<string, unknown>;

function capture() {
  const lines: Line[] = [];
  return { lines, logger: createLogger({ write: (line) => lines.push(JSON.parse(line) as Line) }) };
}

describe('startServer: what an operator sees', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function start(config: HandoffConfig, options: Parameters<typeof startServer>[1] = {}) {
    const server = await startServer(
      { ...config, port: 0, database: { kind: 'sqlite', path: ':memory:' } },
      options,
    );
    servers.push(server);
    return server;
  }

  it('logs one summary line: version, database, providers per account', async () => {
    const { lines, logger } = capture();
    const server = await start(configWithProviders(), { logger });
    expect(lines.filter((l) => l.msg === 'listening')).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        msg: 'listening',
        version: packageJson.version,
        url: server.url,
        database: 'sqlite',
        providers: { default: ['2checkout', 'okepay', 'paybis'] },
      },
    ]);
  });

  it("lists the stored connections' providers by account, next to the environment's", async () => {
    const stored = [
      { accountId: 'acme', provider: 'paybis' },
      { accountId: 'acme', provider: 'okepay' },
      { accountId: 'default', provider: 'okepay' },
    ];
    const list = () =>
      Promise.resolve(stored as Awaited<ReturnType<Parameters<typeof configuredProviders>[1]['list']>>);
    expect(
      await configuredProviders(
        loadConfig({ HANDOFF_OKEPAY_INSTANCE: 'demo', HANDOFF_OKEPAY_SECRET: 'secret-1' }),
        { list },
      ),
    ).toEqual({
      acme: ['okepay', 'paybis'],
      default: ['okepay'],
    });
    expect(await configuredProviders(loadConfig({}), { list: () => Promise.resolve([]) })).toEqual({});
  });

  it('warns in that line when no provider is configured', async () => {
    const { lines, logger } = capture();
    await start(loadConfig({}), { logger });
    const [line] = lines.filter((l) => l.msg === 'listening');
    expect(line).toMatchObject({ level: 'warn', providers: {} });
    expect(line!.warning).toMatch(/^No provider is configured/);
  });

  it('serves /metrics on a separate port without a token, and nothing else there', async () => {
    const { logger } = capture();
    const server = await start(
      { ...loadConfig({}), metrics: { token: null, port: 0, host: '127.0.0.1' } },
      { logger },
    );
    await fetch(`${server.url}/healthz`);
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('handoff_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${server.metricsUrl}/healthz`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('on close, lets a request in flight finish, then says it drained', async () => {
    const { lines, logger } = capture();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const server = await start(loadConfig({}), {
      logger,
      identify: async () => {
        arrived();
        await held;
        return { id: 'customer-1', email: 'c@example.com' };
      },
    });
    const answer = fetch(`${server.url}/v1/me`);
    await inFlight;
    const closed = server.close();
    release();
    expect((await answer).status).toBe(200);
    await closed;
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped: requests drained, database closed' });
  });

  it('cuts a request that outlives the shutdown timeout, and says so', async () => {
    const { lines, logger } = capture();
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const server = await start(
      { ...loadConfig({}), shutdownTimeoutMs: 1 },
      {
        logger,
        identify: () => {
          arrived();
          return new Promise<never>(() => undefined);
        },
      },
    );
    const answer = fetch(`${server.url}/v1/me`);
    await inFlight;
    await server.close();
    await expect(answer).rejects.toThrow();
    expect(lines.at(-1)).toMatchObject({ level: 'warn', timeoutMs: 1 });
  });
});
