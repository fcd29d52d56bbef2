import axe from 'axe-core';
import { screen } from '@testing-library/dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configure } from './index.ts';
import { fakeClient, mount } from './test-support.ts';

let client: ReturnType<typeof fakeClient>;

beforeEach(() => {
  client = fakeClient();
  configure({ client });
});

afterEach(() => {
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

async function noAxeViolations(container: Element) {
  const results = await axe.run(container);
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

describe('accessibility of the elements', () => {
  it('exposes each element as one named button, with no axe violations', async () => {
    const host = mount<HTMLDivElement>(`<div>
      <handoff-manage-subscription provider="okepay"></handoff-manage-subscription>
      <handoff-manage-subscription provider="2checkout" subscription-reference="S-1">Update card</handoff-manage-subscription>
      <handoff-paybis-launcher flow="sellCrypto"></handoff-paybis-launcher>
    </div>`);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual([
      'Manage subscription',
      'Update card',
      'Sell crypto',
    ]);
    await noAxeViolations(host);
  });

  it('is a focusable native button, busy and disabled for assistive technology while loading', async () => {
    client.okepayLoginLink.mockImplementation(() => new Promise(() => {}));
    vi.spyOn(window, 'open').mockReturnValue(null);
    const host = mount<HTMLDivElement>(
      '<div><handoff-manage-subscription provider="okepay" target="same-tab"></handoff-manage-subscription></div>',
    );
    const button = screen.getByRole('button', { name: 'Manage subscription' });
    button.focus();
    expect(document.activeElement).toBe(button);
    // A native button turns Enter and Space into this click.
    button.click();
    await Promise.resolve();
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(button).toHaveAttribute('aria-disabled', 'true');
    await noAxeViolations(host);
  });
});
