import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('takes an empty HANDOFF_HOST or HANDOFF_DB as unset, not as every interface or a temporary database', () => {
    const config = loadConfig({ HANDOFF_HOST: '', HANDOFF_DB: ' ' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.database).toEqual({ kind: 'sqlite', path: './handoff.db' });
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HANDOFF_HOST: ' 0.0.0.0 ', HANDOFF_DB: '/data/h.db' })).toMatchObject({
      host: '0.0.0.0',
      database: { kind: 'sqlite', path: '/data/h.db' },
    });
  });

  it('keeps CORS origins as browsers send them, so they can match', () => {
    const config = loadConfig({
      HANDOFF_CORS_ORIGINS:
        'https://App.Example.com, HTTPS://a.example:443,http://localhost:5173/ ,https://a.example,https://bücher.example',
    });
    expect(config.corsOrigins).toEqual([
      'https://app.example.com',
      'https://a.example',
      'http://localhost:5173',
      'https://xn--bcher-kva.example',
    ]);
    expect(loadConfig({ HANDOFF_CORS_ORIGINS: ' , ' }).corsOrigins).toEqual([]);
  });

  it('refuses CORS values that are not just an origin, naming each', () => {
    const bad = [
      'https://app.example.com/path',
      'https://app.example.com?x=1',
      'https://app.example.com#top',
      'https://user:pw@app.example.com',
      'ftp://app.example.com',
      'app.example.com',
      'https://*.example.com',
      '*',
    ];
    let error: unknown;
    try {
      loadConfig({ HANDOFF_CORS_ORIGINS: ['https://ok.example', ...bad].join(',') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(bad.length);
    bad.forEach((value, i) =>
      expect(problems[i]).toBe(
        `HANDOFF_CORS_ORIGINS: "${value}" is not an origin like https://app.example.com ` +
          '(http or https, a host and an optional port; no path, query, user or wildcard)',
      ),
    );
  });

  it('takes a webhook token only when it cannot be guessed and fits in a path', () => {
    expect(loadConfig({ HANDOFF_WEBHOOK_TOKEN: 'a'.repeat(32) }).webhookToken).toBe('a'.repeat(32));
    expect(loadConfig({}).webhookToken).toBeNull();
    for (const bad of ['short', `${'a'.repeat(40)}/x`, 'a'.repeat(129)]) {
      expect(() => loadConfig({ HANDOFF_WEBHOOK_TOKEN: bad }), bad).toThrow(/HANDOFF_WEBHOOK_TOKEN/);
    }
  });
});

describe('loadConfig: every problem at once', () => {
  const problemsOf = (env: Record<string, string | undefined>) => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it('reports type errors, half-configured providers and unreadable files together, by variable name', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      HANDOFF_SESSION_TTL: '0',
      HANDOFF_OKEPAY_INSTANCE: 'demo',
      HANDOFF_PAYBIS_API_KEY: 'key',
      HANDOFF_PAYBIS_PARTNER_ID: 'partner',
      HANDOFF_PAYBIS_PRIVATE_KEY: '/no/such/key.pem',
      HANDOFF_2CO_SECRET_KEY_FILE: '/no/such/secret',
      HANDOFF_METRICS_TOKEN: 'short',
      HANDOFF_PG_SCHEMA: 'Bad-Name',
    });
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^HANDOFF_SESSION_TTL: /),
        expect.stringMatching(/^HANDOFF_PG_SCHEMA: must be a lower-case identifier/),
        'HANDOFF_METRICS_TOKEN: must be at least 16 characters',
        'HANDOFF_2CO_SECRET_KEY_FILE: cannot read /no/such/secret (ENOENT)',
        'OkePay is half configured: set HANDOFF_OKEPAY_SECRET too (or unset HANDOFF_OKEPAY_INSTANCE)',
        'HANDOFF_PAYBIS_PRIVATE_KEY: neither PEM text nor a readable file',
      ]),
    );
    expect(problemsOf({ HANDOFF_PG_SCHEMA: 'handoff' })).toEqual([
      'HANDOFF_PG_SCHEMA: applies to PostgreSQL only; set DATABASE_URL too (or unset it)',
    ]);
  });

  it('reads secrets from NAME_FILE, without the trailing newline, and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-config-'));
    try {
      writeFileSync(join(dir, 'secret'), 'okepay-file-secret\n');
      writeFileSync(join(dir, 'url'), 'postgres://handoff@db:5432/handoff\n');
      const config = loadConfig({
        HANDOFF_OKEPAY_INSTANCE: 'demo',
        HANDOFF_OKEPAY_SECRET_FILE: join(dir, 'secret'),
        DATABASE_URL_FILE: join(dir, 'url'),
        HANDOFF_PG_SCHEMA: 'handoff',
        HANDOFF_PG_POOL_SIZE: '4',
      });
      expect(config.okepay?.secret).toBe('okepay-file-secret');
      expect(config.database).toEqual({
        kind: 'postgres',
        url: 'postgres://handoff@db:5432/handoff',
        schema: 'handoff',
        maxConnections: 4,
      });
      expect(
        problemsOf({ HANDOFF_OKEPAY_SECRET: 'inline', HANDOFF_OKEPAY_SECRET_FILE: join(dir, 'secret') }),
      ).toContain(
        'HANDOFF_OKEPAY_SECRET_FILE: set HANDOFF_OKEPAY_SECRET or HANDOFF_OKEPAY_SECRET_FILE, not both',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets up metrics and shutdown from the environment', () => {
    expect(loadConfig({})).toMatchObject({
      metrics: { token: null, port: null, host: '127.0.0.1' },
      shutdownTimeoutMs: 10_000,
    });
    expect(
      loadConfig({
        HANDOFF_METRICS_PORT: '9464',
        HANDOFF_METRICS_HOST: '0.0.0.0',
        HANDOFF_SHUTDOWN_TIMEOUT_MS: '2000',
      }),
    ).toMatchObject({ metrics: { token: null, port: 9464, host: '0.0.0.0' }, shutdownTimeoutMs: 2000 });
    expect(problemsOf({ HANDOFF_METRICS_PORT: 'x' })).toEqual([
      'HANDOFF_METRICS_PORT: must be a port number',
    ]);
  });
});
