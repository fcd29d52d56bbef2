import { createRoot } from 'react-dom/client';
import { EmbeddedCheckout, EmbeddedCheckoutProvider } from '@stripe/react-stripe-js';
import { loadStripe } from '@stripe/stripe-js';

// Stripe's React SDK: embedded Checkout, its client secret fetched from the host app's server.
const stripe = loadStripe('pk_test_key');
createRoot(document.getElementById('root')!).render(
  <EmbeddedCheckoutProvider
    stripe={stripe}
    options={{
      fetchClientSecret: () =>
        fetch('/api/checkout-session', { method: 'POST' })
          .then((r) => r.json() as Promise<{ clientSecret: string }>)
          .then((b) => b.clientSecret),
    }}
  >
    <EmbeddedCheckout />
  </EmbeddedCheckoutProvider>,
);
