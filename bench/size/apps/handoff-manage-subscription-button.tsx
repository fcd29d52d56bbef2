import { createRoot } from 'react-dom/client';
import { HandoffProvider, ManageSubscriptionButton } from '@handoff/react';

// A host page with the subscription button (it needs its provider to reach the backend).
createRoot(document.getElementById('root')!).render(
  <HandoffProvider url="/handoff" getToken={() => fetch('/api/handoff-token').then((r) => r.text())}>
    <ManageSubscriptionButton provider="okepay">Manage subscription</ManageSubscriptionButton>
  </HandoffProvider>,
);
