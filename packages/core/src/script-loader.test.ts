import { describe, expect, it } from 'vitest';
import { HandoffError } from './errors.ts';
import { loadScript } from './script-loader.ts';

describe('loadScript without a document (server rendering)', () => {
  it('rejects with a clear script_load_failed error instead of touching document', async () => {
    expect(typeof document).toBe('undefined');
    const error = await loadScript('https://cdn.example.test/widget.js').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffError);
    expect((error as HandoffError).code).toBe('script_load_failed');
    expect((error as Error).message).toMatch(/browser only/);
  });
});
