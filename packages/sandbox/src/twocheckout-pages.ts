/**
 * The sandbox's 2Checkout myAccount pages: just enough of the hosted self-service area to show
 * who is signed in, on which page, for which subscription. Test ids are stable:
 * `myaccount-page`, `myaccount-customer-email`, `myaccount-subscription`, `myaccount-error`.
 */

export const MYACCOUNT_PAGES = [
  'home',
  'view_order',
  'my_license',
  'change_card',
  'my_products',
  'payment_methods',
  'user_data',
  'order_lookup',
  'faq',
] as const;
export type MyAccountPage = (typeof MYACCOUNT_PAGES)[number];

const TITLES: Record<MyAccountPage, string> = {
  home: 'My account',
  view_order: 'Order details',
  my_license: 'Subscription',
  change_card: 'Change credit card',
  my_products: 'My products',
  payment_methods: 'Payment methods',
  user_data: 'Personal information',
  order_lookup: 'Order lookup',
  faq: 'Support',
};

export interface PageCustomer {
  firstName: string;
  lastName: string;
  email: string;
}

export interface PageSubscription {
  reference: string;
  productName: string;
  productCode: string;
  orderReference: string;
  status: string;
  expirationDate: string;
}

export interface AccountPageData {
  page: MyAccountPage;
  merchantCode: string;
  customer: PageCustomer;
  /** The subscription the single sign-on link was issued for. */
  subscription: PageSubscription;
  /** All of this customer's subscriptions with the merchant. */
  subscriptions: readonly PageSubscription[];
  /** Builds the link to another myAccount page. */
  pageUrl: (page: MyAccountPage) => string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · 2Checkout myAccount (sandbox)</title>
<style>
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{display:flex;align-items:center;gap:12px;background:#0b2f5b;color:#fff;padding:14px 24px}
.sandbox{margin-left:auto;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:#0b2f5b;background:#ffd866;border-radius:999px;padding:2px 10px}
nav{display:flex;flex-wrap:wrap;gap:4px 8px;max-width:760px;margin:16px auto 0;padding:0 16px}
nav a{color:#0b4a8f;text-decoration:none;padding:6px 12px;border-radius:6px}
nav a:hover{background:#e3ebf5}
nav a[aria-current="page"]{background:#0b2f5b;color:#fff}
main{max-width:760px;margin:16px auto 32px;background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 3px #0001}
h1{font-size:1.4rem;margin:0 0 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px}
dt{font-weight:600}dd{margin:0}
code{background:#f0f2f5;padding:0 4px;border-radius:4px}
input,button{font:inherit;padding:6px 10px;border-radius:6px;border:1px solid #b8c2cf}
button{background:#0b2f5b;color:#fff;border-color:#0b2f5b;cursor:pointer}
</style>
</head>
<body>
<header><strong>2Checkout myAccount</strong> <span class="sandbox" data-testid="sandbox-label">Sandbox</span></header>
${body}
</body>
</html>`;
}

function subscriptionDetails(s: PageSubscription): string {
  return `<dl>
<dt>Product</dt><dd>${escapeHtml(s.productName)} (${escapeHtml(s.productCode)})</dd>
<dt>Status</dt><dd>${escapeHtml(s.status)}</dd>
<dt>Next renewal</dt><dd>${escapeHtml(s.expirationDate)}</dd>
<dt>Order</dt><dd>${escapeHtml(s.orderReference)}</dd>
</dl>`;
}

function pageContent(d: AccountPageData): string {
  const s = d.subscription;
  switch (d.page) {
    case 'home':
      return `<p>Welcome back, ${escapeHtml(d.customer.firstName)}. You have ${d.subscriptions.length} subscription(s).</p>`;
    case 'view_order':
      return `<p>Order <strong>${escapeHtml(s.orderReference)}</strong>, which purchased this subscription.</p>${subscriptionDetails(s)}`;
    case 'my_license':
      return subscriptionDetails(s);
    case 'change_card':
      return `${subscriptionDetails(s)}
<form aria-label="Change credit card" onsubmit="return false">
<label>Card number <input name="card" autocomplete="cc-number" inputmode="numeric"></label>
<button type="submit" disabled>Save card</button>
</form>`;
    case 'my_products':
      return `<ul>${d.subscriptions
        .map(
          (p) =>
            `<li data-testid="myaccount-product">${escapeHtml(p.productName)} — ${escapeHtml(p.reference)} (${escapeHtml(p.status)})</li>`,
        )
        .join('')}</ul>`;
    case 'payment_methods':
      return '<p>Visa ending in 4242, expires 12/30.</p>';
    case 'user_data':
      return `<dl><dt>Name</dt><dd>${escapeHtml(d.customer.firstName)} ${escapeHtml(d.customer.lastName)}</dd>
<dt>Email</dt><dd>${escapeHtml(d.customer.email)}</dd></dl>`;
    case 'order_lookup':
      return `<form aria-label="Order lookup" onsubmit="return false">
<label>Order reference <input name="reference"></label>
<button type="submit">Look up</button>
</form>`;
    case 'faq':
      return '<p>Questions about a charge or a licence? Contact the seller, or 2Checkout support.</p>';
  }
}

export function renderAccountPage(d: AccountPageData): string {
  const nav = MYACCOUNT_PAGES.map(
    (p) =>
      `<a href="${escapeHtml(d.pageUrl(p))}"${p === d.page ? ' aria-current="page"' : ''}>${TITLES[p]}</a>`,
  ).join('\n');
  return layout(
    TITLES[d.page],
    `<nav aria-label="myAccount">${nav}</nav>
<main>
<h1>${TITLES[d.page]}</h1>
<p>Signed in as ${escapeHtml(d.customer.firstName)} ${escapeHtml(d.customer.lastName)}
(<span data-testid="myaccount-customer-email">${escapeHtml(d.customer.email)}</span>)
with ${escapeHtml(d.merchantCode)}.</p>
<p>Page: <code data-testid="myaccount-page">${d.page}</code>
· Subscription: <code data-testid="myaccount-subscription">${escapeHtml(d.subscription.reference)}</code></p>
${pageContent(d)}
</main>`,
  );
}

export function renderErrorPage(title: string, message: string): string {
  return layout(
    title,
    `<main data-testid="myaccount-error" role="alert">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
</main>`,
  );
}
