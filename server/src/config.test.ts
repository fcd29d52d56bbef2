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
