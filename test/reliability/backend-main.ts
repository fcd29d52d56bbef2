import { loadConfig } from '@handoff/server';
import { startServer } from '@handoff/server/node';
import { openStore } from '../../server/src/store/index.ts';

/**
 * The backend as its own process, for the crash-safety part: configured from the environment
 * like `handoff serve`, on 127.0.0.1 and a free port, announcing `{"url": …}` on stdout. With
 * HANDOFF_TEST_PG_SCHEMA it works in that PostgreSQL schema of DATABASE_URL.
 */
const config = loadConfig(process.env);
config.host = '127.0.0.1';
config.port = 0;
const schema = process.env.HANDOFF_TEST_PG_SCHEMA;
const store =
  schema && config.database.kind === 'postgres'
    ? await openStore({ kind: 'postgres', url: config.database.url, schema })
    : undefined;
const server = await startServer(config, store ? { store } : {});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const stop = () => {
  void server
    .close()
    .then(() => store?.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
