import { escapeHtml } from './http.ts';

/**
 * The OkePay sandbox portal's look: an OkePay-like page with the shop's name in a header, clearly
 * labelled as a sandbox, readable on any screen. Values are escaped by the callers' markup, and
 * the shop name here.
 */
export function okepayPortalPage(shop: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · OkePay sandbox</title>
<style>
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1c2430;background:#eef2f6}
header{display:flex;align-items:center;gap:12px;padding:14px 24px;background:#fff;border-bottom:1px solid #d9e0e8}
header .brand{font-weight:700;color:#0a6e5c;letter-spacing:.01em}
header .shop{color:#4a5665}
.badge{margin-left:auto;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:#7a4b00;background:#fff1cc;border:1px solid #e8c66a;border-radius:999px;padding:2px 10px}
main{max-width:44rem;margin:32px auto;padding:24px 28px;background:#fff;border-radius:12px;box-shadow:0 1px 3px #0001,0 8px 24px #0000000d}
h1{font-size:1.4rem;margin:0 0 12px}
h2{font-size:1.1rem;margin:24px 0 8px}
ul{padding:0;list-style:none}
li{padding:12px 14px;border:1px solid #e1e6ec;border-radius:8px;margin:8px 0}
[data-state="active"]{color:#0a6e5c;font-weight:600}
[data-state="cancelled"]{color:#8a5a00;font-weight:600}
button{font:inherit;padding:8px 16px;border-radius:8px;border:1px solid #c5ced8;background:#fff;color:#1c2430;cursor:pointer}
button:hover{background:#f3f6f9}
.error{color:#a40000;font-weight:600}.note{color:#5b6573;font-size:.9rem}
footer{max-width:44rem;margin:0 auto 32px;padding:0 28px;color:#5b6573;font-size:13px}
</style>
</head>
<body>
<header><span class="brand">OkePay</span><span class="shop">${escapeHtml(shop)}</span><span class="badge" data-testid="sandbox-label">Sandbox</span></header>
<main>
${body}
</main>
<footer>OkePay sandbox: a simulation for development and tests. No real money moves.</footer>
</body>
</html>
`;
}
