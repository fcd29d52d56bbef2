import { createRoot } from 'react-dom/client';
import { HandoffProvider, PaybisWidgetLauncher } from '@handoff/react';

// A host page that starts the Paybis widget (overlay, the default mode).
createRoot(document.getElementById('root')!).render(
  <HandoffProvider url="/handoff" getToken={() => fetch('/api/handoff-token').then((r) => r.text())}>
    <PaybisWidgetLauncher flow="buyCrypto" currencyCodeFrom="EUR" currencyCodeTo="BTC" amount="100.00">
      Buy crypto
    </PaybisWidgetLauncher>
  </HandoffProvider>,
);
