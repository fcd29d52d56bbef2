import { createRoot } from 'react-dom/client';
import { initializePaddle } from '@paddle/paddle-js';

// Paddle.js: a button that opens the overlay checkout.
const paddle = initializePaddle({ token: 'test_token', environment: 'sandbox' });
createRoot(document.getElementById('root')!).render(
  <button
    type="button"
    onClick={() =>
      void paddle.then((p) => p?.Checkout.open({ items: [{ priceId: 'pri_test', quantity: 1 }] }))
    }
  >
    Subscribe
  </button>,
);
