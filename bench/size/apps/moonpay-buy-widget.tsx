import { createRoot } from 'react-dom/client';
import { MoonPayBuyWidget, MoonPayProvider } from '@moonpay/moonpay-react';

// MoonPay's React SDK: its buy widget as an overlay.
createRoot(document.getElementById('root')!).render(
  <MoonPayProvider apiKey="pk_test_key">
    <MoonPayBuyWidget
      variant="overlay"
      baseCurrencyCode="eur"
      baseCurrencyAmount="100"
      defaultCurrencyCode="btc"
      visible
    />
  </MoonPayProvider>,
);
