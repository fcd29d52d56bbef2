import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

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
});
