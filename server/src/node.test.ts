import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { providerNamed, setConnection } from './connections/service.ts';
import { createLogger, silentLogger } from './logger.ts';
import { startServer, type RunningServer } from './node.ts';
import { openStore } from './store/index.ts';

describe('startServer', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('serves the app on a random port over a SQLite file it creates and migrates, and closes cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-node-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'handoff.db');
    const server = await startServer(
      { ...loadConfig({ HANDOFF_DB: path, HANDOFF_LOG_LEVEL: 'silent' }), port: 0 },
      { logger: silentLogger },
    );
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'hk_x', apiSecret: 'y' }),
    });
    expect(login.status).toBe(401);

    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // The file exists, is migrated, and the server released it.
    const store = await openStore({ kind: 'sqlite', path });
    expect(await store.accounts.get('default')).not.toBeNull();
    await store.close();
  });

  it('uses a given store and leaves it open', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const server = await startServer(
      { ...loadConfig({ HANDOFF_LOG_LEVEL: 'silent' }), port: 0 },
      { store, logger: silentLogger },
    );
    await server.close();
    expect(await store.accounts.get('default')).not.toBeNull();
    await store.close();
  });

  it('says at start, naming the variable, when stored connections cannot be read, and serves on', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const key = randomBytes(32).toString('base64');
    await setConnection(
      {
        store: store.connections,
        keyring: loadConfig({ HANDOFF_ENCRYPTION_KEY: key }).encryption,
        environment: {},
      },
      'default',
      providerNamed('okepay'),
      { instance: 'shop', secret: 'stored-okepay-secret' },
    );
    const lines: string[] = [];
    const server = await startServer(
      { ...loadConfig({ HANDOFF_LOG_LEVEL: 'error' }), port: 0 },
      { store, logger: createLogger({ level: 'error', write: (line) => lines.push(line) }) },
    );
    servers.push(server);
    try {
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        level: 'error',
        problem: expect.stringMatching(/^HANDOFF_ENCRYPTION_KEY is not set, but 1 provider connection/),
      });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
