// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { ManageSubscriptionButton } from './manage-subscription-button.tsx';

describe('server rendering', () => {
  it('renders the button without a window', () => {
    // Any access to `window` or `document` below would throw a ReferenceError here.
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const html = renderToString(
      <HandoffProvider url="https://pay.example.test" token="hc_customer">
        <ManageSubscriptionButton provider="okepay" />
        <ManageSubscriptionButton provider="2checkout" subscriptionReference="SUB1" accessPage="change_card">
          Update card
        </ManageSubscriptionButton>
      </HandoffProvider>,
    );
    expect(html).toContain('<button type="button" data-state="idle">Manage subscription</button>');
    expect(html).toContain('>Update card</button>');
    expect(html).not.toContain('hc_customer');
  });
});
