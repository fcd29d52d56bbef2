import { describe, expect, it } from 'vitest';
import { measureApp } from './size.ts';

describe('measureApp', () => {
  it('bundles an app without React and reports the biggest inputs', async () => {
    const result = await measureApp('handoff-manage-subscription-button.tsx');
    expect(result.gzipBytes).toBeGreaterThan(0);
    expect(result.gzipBytes).toBeLessThan(result.minifiedBytes);
    const inputs = result.contributors.map((c) => c.input);
    // The click model is core's; the button is a thin binding, too small to be among the biggest.
    expect(inputs).toContain('packages/core/src/action.ts');
    expect(inputs.some((i) => i.includes('react-dom') || i.startsWith('react/'))).toBe(false);
    expect(result.contributors.map((c) => c.bytes)).toEqual(
      [...result.contributors.map((c) => c.bytes)].sort((a, b) => b - a),
    );
  });

  it('leaves the development-only prop checks out, as a production app build does', async () => {
    const { code } = await measureApp('handoff-paybis-widget-launcher.tsx');
    expect(code).not.toContain('Invalid prop');
    expect(code).not.toContain('process.env');
  });
});
