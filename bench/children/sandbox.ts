import { startSandboxServer } from '@handoff/sandbox/node';

/**
 * The provider sandbox in its own process, on a free loopback port, with no added latency (the
 * bench changes it through `/_sandbox/faults`). Prints one `READY {json}` line.
 */
const server = await startSandboxServer({ port: 0, host: '127.0.0.1' });
process.stdout.write(`READY ${JSON.stringify({ url: server.url, urls: server.sandbox.urls })}\n`);

const stop = () => {
  void server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
