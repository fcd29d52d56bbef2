import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { HandoffError, MeResponse, TwoCheckoutAccessPage } from '@handoff/core';
import {
  HandoffProvider,
  ManageSubscriptionButton,
  PaybisWidgetLauncher,
  useHandoffClient,
} from '@handoff/react';

interface HostMe {
  backendUrl: string;
  customer: { key: string; name: string; email?: string };
  customers: Array<{ key: string; name: string }>;
}

/**
 * The host app's page. Its own server (not the browser) decides who is signed in and gives the
 * page a short-lived customer token; the components never name the customer themselves.
 */
let cached: { token: string; expiresAt: number } | undefined;
async function getCustomerToken(): Promise<string> {
  if (cached && cached.expiresAt - Date.now() > 30_000) return cached.token;
  const res = await fetch('/api/handoff-token', { method: 'POST' });
  if (!res.ok) throw new Error(`The host app could not get a customer token (${res.status}).`);
  const body = (await res.json()) as { token: string; expiresAt: string };
  cached = { token: body.token, expiresAt: Date.parse(body.expiresAt) };
  return cached.token;
}

function App() {
  const [host, setHost] = useState<HostMe | null>(null);
  useEffect(() => {
    void fetch('/api/me')
      .then((r) => r.json() as Promise<HostMe>)
      .then(setHost);
  }, []);
  if (!host) return <p className="muted">Loading…</p>;
  return (
    <>
      <header>
        <strong>Acme Cloud</strong>
        <a href="/elements.html" style={{ color: 'inherit' }}>
          Same page without React
        </a>
        <form action="/api/sign-in" method="get">
          <label>
            Signed in as{' '}
            <select
              name="customer"
              defaultValue={host.customer.key}
              onChange={(e) => e.currentTarget.form?.submit()}
              aria-label="Signed-in customer"
            >
              {host.customers.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        </form>
        <form action="/api/sign-up" method="post">
          <button type="submit">Sign up as a new customer</button>
        </form>
      </header>
      <main>
        <h1 data-testid="signed-in-as">{host.customer.name}</h1>
        <HandoffProvider url={host.backendUrl} getToken={getCustomerToken}>
          <Account />
        </HandoffProvider>
      </main>
    </>
  );
}

function ErrorNote({ error }: { error: HandoffError | null }) {
  if (!error) return null;
  return (
    <p role="alert" data-testid="error-code" data-code={error.code}>
      {error.message}
    </p>
  );
}

function Account() {
  const client = useHandoffClient();
  const [me, setMe] = useState<MeResponse | null>(null);
  const [error, setError] = useState<HandoffError | null>(null);
  const [completed, setCompleted] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    client.me({ signal: controller.signal }).then(setMe, (e: HandoffError) => {
      if (e.code !== 'aborted') setError(e);
    });
    return () => controller.abort();
  }, [client]);

  if (!me) return error ? <ErrorNote error={error} /> : <p className="muted">Loading your account…</p>;
  const subscriptions = me.providers['2checkout']?.subscriptionReferences ?? [];

  return (
    <>
      <section aria-labelledby="okepay-heading">
        <h2 id="okepay-heading">Billing (OkePay)</h2>
        {me.providers.okepay ? (
          <>
            <p className="muted">Payments, invoices and cancellation are handled on our billing portal.</p>
            <ManageSubscriptionButton provider="okepay" onError={setError} onOpen={() => setError(null)}>
              Manage subscription
            </ManageSubscriptionButton>
          </>
        ) : (
          <p className="muted">No OkePay subscription.</p>
        )}
      </section>

      <section aria-labelledby="twocheckout-heading">
        <h2 id="twocheckout-heading">Licenses (2Checkout)</h2>
        {subscriptions.length === 0 ? (
          <p className="muted">No 2Checkout subscriptions.</p>
        ) : (
          <ul>
            {subscriptions.map((reference) => (
              <li key={reference} data-testid={`subscription-${reference}`}>
                <code>{reference}</code>{' '}
                {(
                  [
                    ['Manage', 'my_license'],
                    ['Update card', 'change_card'],
                    ['Invoices', 'view_order'],
                  ] as Array<[string, TwoCheckoutAccessPage]>
                ).map(([label, accessPage]) => (
                  <ManageSubscriptionButton
                    key={accessPage}
                    provider="2checkout"
                    subscriptionReference={reference}
                    accessPage={accessPage}
                    // A 60-second link is long enough to fetch ahead on hover or focus.
                    validityTime={60}
                    prefetch
                    aria-label={`${label} ${reference}`}
                    onError={setError}
                    onOpen={() => setError(null)}
                  >
                    {label}
                  </ManageSubscriptionButton>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="paybis-heading">
        <h2 id="paybis-heading">Crypto (Paybis)</h2>
        {me.providers.paybis ? (
          <>
            <p className="muted">
              Top up your balance with crypto. Returning customers skip email verification.
            </p>
            <PaybisWidgetLauncher
              flow="buyCrypto"
              currencyCodeFrom="EUR"
              currencyCodeTo="BTC"
              amount="100.00"
              closeOnComplete
              onComplete={() => setCompleted(true)}
              onError={setError}
            >
              Buy crypto
            </PaybisWidgetLauncher>
            {completed ? <p data-testid="purchase-completed">Purchase completed. Thank you!</p> : null}
          </>
        ) : (
          <p className="muted">Crypto purchases are not enabled for this account.</p>
        )}
      </section>
      <ErrorNote error={error} />
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
