// Embedded mode: the host app mounts the Handoff backend inside its own server and identifies the
// customer from its own cookie session. The page uses the custom elements' script file.
import { readFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { createHandoff, loadConfig, openStore } from '@handoff/server';

// Your own users and sessions; here, one demo customer signed in by /sign-in.
const users = new Map([['ada', { id: 'ada', email: 'ada@example.com', okepayContactId: 1001 }]]);

const config = loadConfig();
const handoff = createHandoff({
  config,
  store: await openStore(config.database),
  identify: async (request) => {
    const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
    return users.get(session ?? '') ?? null;
  },
});

const app = new Hono();
app.mount('/handoff', handoff.fetch);
app.get('/sign-in', (c) => {
  setCookie(c, 'session', 'ada', { httpOnly: true, sameSite: 'Lax', path: '/' });
  return c.redirect('/');
});
const script = await readFile(new URL(import.meta.resolve('@handoff/elements/handoff-elements.js')));
app.get('/assets/handoff-elements.js', (c) =>
  c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
);
app.get('/', (c) =>
  c.html(`<!doctype html>
<title>Account</title>
<p>Signed in: ${getCookie(c, 'session') ?? 'nobody'}</p>
<script src="/assets/handoff-elements.js"></script>
<script>
  Handoff.configure({ url: '/handoff', credentials: 'include' });
</script>
<handoff-manage-subscription provider="okepay">Manage subscription</handoff-manage-subscription>
`),
);

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.APP_PORT ?? 3000) }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}`),
);
