// The host app's server with @handoff/node: the backend runs apart (`npx handoff serve`); this
// server mints the signed-in customer's token for its page and revokes it at sign-out.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { createHandoffClient } from '@handoff/node';

// Your own users and sessions; here, a cookie naming the demo customer.
const users = new Map([['ada', { id: 'ada', email: 'ada@example.com', okepayContactId: 1001 }]]);
const signedInUser = (c) => users.get(getCookie(c, 'session') ?? '');

const handoff = createHandoffClient({
  url: process.env.HANDOFF_URL,
  apiKey: process.env.HANDOFF_API_KEY,
  apiSecret: process.env.HANDOFF_API_SECRET,
});

const app = new Hono();

// <HandoffProvider tokenUrl="/api/handoff-token"> and Handoff.configure({ tokenUrl }) call this.
app.get('/api/handoff-token', async (c) => {
  const user = signedInUser(c);
  if (!user) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
  const { token, expiresAt } = await handoff.customerSessions.create({
    id: user.id,
    email: user.email,
    okepayContactId: user.okepayContactId,
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ token, expiresAt });
});

// At sign-out, end the customer token the page holds.
app.post('/sign-out', async (c) => {
  const { token } = await c.req.json();
  await handoff.customerSessions.revoke(token);
  return c.json({ signedOut: true });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.APP_PORT ?? 3000) }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}`),
);
