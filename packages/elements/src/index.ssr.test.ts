// @vitest-environment node
import { describe, expect, it } from 'vitest';

describe('@handoff/elements on the server', () => {
  it('imports without a DOM and defines nothing', async () => {
    expect(typeof globalThis.customElements).toBe('undefined');
    const elements = await import('./index.ts');
    expect(() => elements.defineHandoffElements()).not.toThrow();
    expect(typeof elements.HandoffManageSubscriptionElement).toBe('function');
  });
});
