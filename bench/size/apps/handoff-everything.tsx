import { createRoot } from 'react-dom/client';
import * as Handoff from '@handoff/react';

// Everything the package exports, kept alive by handing the namespace to the page.
(window as unknown as { Handoff: typeof Handoff }).Handoff = Handoff;
createRoot(document.getElementById('root')!).render(
  <Handoff.HandoffProvider url="/handoff" getToken={() => fetch('/api/handoff-token').then((r) => r.text())}>
    <Handoff.ManageSubscriptionButton provider="okepay">Manage subscription</Handoff.ManageSubscriptionButton>
    <Handoff.PaybisWidgetLauncher flow="buyCrypto">Buy crypto</Handoff.PaybisWidgetLauncher>
  </Handoff.HandoffProvider>,
);
