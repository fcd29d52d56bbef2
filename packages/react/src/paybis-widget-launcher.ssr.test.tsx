// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { HandoffProvider } from './handoff-provider.tsx';
import { PaybisWidgetLauncher } from './paybis-widget-launcher.tsx';

describe('server rendering', () => {
  it('renders the launcher without a window', () => {
    // Any access to `window` or `document` below would throw a ReferenceError here.
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const html = renderToString(
      <HandoffProvider url="https://pay.example.test" token="hc_customer">
        <PaybisWidgetLauncher flow="buyCrypto" currencyCodeTo="BTC" />
        <PaybisWidgetLauncher mode="embedded" container={null}>
          Sell with Paybis
        </PaybisWidgetLauncher>
      </HandoffProvider>,
    );
    expect(html).toContain('<button type="button" data-mode="overlay" data-state="idle">Buy crypto</button>');
    expect(html).toContain('data-mode="embedded" data-state="idle">Sell with Paybis</button>');
    expect(html).not.toContain('hc_customer');
  });
});
