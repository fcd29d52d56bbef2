import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * The baseline: a Hono app with one route that does nothing but answer, served the way the
 * backend is served (`@hono/node-server`), in its own process. Prints one `READY {json}` line.
 */
const app = new Hono();
app.post('/bare', (c) => c.json({}));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
