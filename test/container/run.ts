/**
 * The container test: builds the image and the compose set on this machine and checks them the
 * way docs/operations.md tells an operator to run them, with the guide's own commands.
 *
 *   npm run test:container
 *
 * What differs from the guide, because no image registry is reachable here: the base images
 * are built locally (base-images.sh) and passed as build arguments, containers use the host's
 * network (on random ports) instead of published ports, compose runs with compose.test.yaml
 * over compose.yaml, and the machine's PostgreSQL (in a fresh database) stands in for the
 * postgres container. Needs a running Docker engine, docker compose (or docker-compose) and
 * PostgreSQL at 127.0.0.1:5432 (database `test`). One run at a time per Docker engine: the
 * container and volume carry the guide's names.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sandboxEnv } from '@handoff/sandbox';
import { startSandboxServer } from '@handoff/sandbox/node';

const root = resolve(import.meta.dirname, '../..');
const guide = readFileSync(join(root, 'docs/operations.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'handoff-container-'));
const started = performance.now();

let passed = 0;
let failed = 0;
async function check(name: string, body: () => Promise<void>): Promise<boolean> {
  const at = performance.now();
  try {
    await body();
    passed++;
    console.log(`  ok   ${name} (${((performance.now() - at) / 1000).toFixed(1)} s)`);
    return true;
  } catch (err) {
    failed++;
    console.log(
      `  FAIL ${name}\n       ${(err instanceof Error ? err.message : String(err)).replace(/\n/g, '\n       ')}`,
    );
    return false;
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** Runs a command line in bash; resolves with stdout, rejects with its output on failure. */
function sh(command: string, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      ['-c', command],
      { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${command}\n${stdout}${stderr}`.trim().split('\n').slice(-30).join('\n')))
          : resolvePromise(stdout),
    );
  });
}

/**
 * A command the guide shows, run here: the test fails when the guide no longer quotes it, so
 * the two cannot drift apart. `adapt` makes the changes this machine needs (see above).
 */
function guideCommand(command: string, adapt: (command: string) => string = (c) => c): string {
  if (!guide.includes(command)) fail(`docs/operations.md no longer shows: ${command}`);
  return adapt(command);
}

async function postgres(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject()));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, attempts = 120): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  return fail(`gave up waiting for ${what}`);
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) fail(`${response.url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

/** API key login, then a customer token for the sandbox's demo contact. */
async function customerToken(base: string, apiKey: string, apiSecret: string): Promise<string> {
  const { token } = await json(await post(`${base}/auth/login`, { apiKey, apiSecret }));
  const session = await json(
    await post(
      `${base}/v1/customer-sessions`,
      { customer: { id: 'customer-1', email: 'customer@example.com', okepayContactId: 1001 } },
      token as string,
    ),
  );
  return session.token as string;
}

const METRICS_TOKEN = randomBytes(24).toString('hex');
const compose = (
  await sh('docker compose version >/dev/null 2>&1 && echo docker compose || echo docker-compose')
).trim();

const sandbox = await startSandboxServer({ host: '127.0.0.1', port: 0 });
const providers = sandboxEnv(sandbox.sandbox);
let images: Record<string, string> = {};

// Left from an interrupted run: the names the guide uses.
await sh('docker rm -f handoff >/dev/null 2>&1; docker volume rm handoff-data >/dev/null 2>&1; true');

try {
  console.log('Container test');

  const built = await check('base images (built locally, kept once built) and the image build', async () => {
    const out = await sh('bash test/container/base-images.sh');
    images = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    await sh(
      guideCommand('docker build -t handoff .', (c) =>
        c.replace(
          'docker build',
          `docker build --quiet --network host --build-arg NODE_IMAGE=${images.NODE_IMAGE} --build-arg BUILD_IMAGE=${images.BUILD_IMAGE}`,
        ),
      ),
    );
    await sh('docker tag handoff handoff:test');
  });
  if (!built) throw new Error('no image to test');

  // One container, SQLite in a volume, the OkePay secret and the metrics token as secret files.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(join(work, 'secrets'));
  writeFileSync(join(work, 'secrets/okepay_secret'), `${providers.HANDOFF_OKEPAY_SECRET}\n`);
  writeFileSync(join(work, 'secrets/metrics_token'), `${METRICS_TOKEN}\n`);
  writeFileSync(
    join(work, 'handoff.env'),
    [
      `HANDOFF_OKEPAY_INSTANCE=${providers.HANDOFF_OKEPAY_INSTANCE}`,
      'HANDOFF_OKEPAY_SECRET_FILE=/run/secrets/okepay_secret',
      `HANDOFF_OKEPAY_API_BASE=${providers.HANDOFF_OKEPAY_API_BASE}`,
      'HANDOFF_METRICS_TOKEN_FILE=/run/secrets/metrics_token',
      '',
    ].join('\n'),
  );
  const onHostNetwork = (c: string) =>
    c.replace('-p 8787:8787', `--network host -e HANDOFF_HOST=127.0.0.1 -e PORT=${port}`);
  let apiKey = '';
  let apiSecret = '';

  await check(
    'docker run: healthy, ready, and the start-up line names version, engine and providers',
    async () => {
      await sh(
        guideCommand(
          'docker run -d --name handoff -p 8787:8787 -v handoff-data:/data --env-file handoff.env -v "$PWD/secrets:/run/secrets:ro" handoff',
          onHostNetwork,
        ),
        { cwd: work },
      );
      await until('/healthz', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined));
      const ready = await fetch(`${base}/readyz`);
      if (ready.status !== 200) fail(`/readyz answered ${ready.status}`);
      // The logger writes to stderr.
      const logs = await sh(guideCommand('docker logs handoff', (c) => `${c} 2>&1`));
      const startLine = logs.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (!startLine) fail(`no start-up line in:\n${logs}`);
      const summary = JSON.parse(startLine) as Record<string, unknown>;
      if (
        summary.database !== 'sqlite' ||
        JSON.stringify(summary.providers) !== '{"default":["okepay"]}' ||
        !/^\d+\.\d+\.\d+/.test(String(summary.version))
      )
        fail(`start-up line: ${startLine}`);
      const user = (await sh('docker exec handoff id -un')).trim();
      if (user !== 'node') fail(`runs as ${user}, not as the unprivileged user node`);
      await until('the HEALTHCHECK to report healthy', async () =>
        (await sh("docker inspect --format '{{.State.Health.Status}}' handoff")).trim() === 'healthy'
          ? true
          : undefined,
      );
    },
  );

  await check(
    'an API user and key from the CLI in the container; a customer token; an OkePay link from the sandbox',
    async () => {
      await sh(
        guideCommand(
          'docker exec handoff handoff users create --email shop-backend@example.com --account default --role integration',
        ),
      );
      const key = JSON.parse(
        await sh(
          guideCommand('docker exec handoff handoff keys create --user shop-backend@example.com --json'),
        ),
      ) as { apiKey: string; apiSecret: string };
      ({ apiKey, apiSecret } = key);
      const token = await customerToken(base, apiKey, apiSecret);
      const link = await json(await post(`${base}/v1/okepay/login-link`, {}, token));
      if (!String(link.url).startsWith(sandbox.url.replace(/\/$/, ''))) fail(`link ${String(link.url)}`);
      const logs = await sh('docker logs handoff 2>&1');
      for (const secret of [
        token,
        String(link.url),
        apiSecret,
        providers.HANDOFF_OKEPAY_SECRET!,
        METRICS_TOKEN,
      ])
        if (logs.includes(secret)) fail('the log shows a token, link or secret');
      if (!/"msg":"request".*"route":"\/v1\/okepay\/login-link".*"status":200/.test(logs))
        fail('no request line for the OkePay link');
    },
  );

  await check(
    'GET /metrics with the token from a secret file: requests, provider calls, process',
    async () => {
      if ((await fetch(`${base}/metrics`)).status !== 401) fail('/metrics without the token is not refused');
      const text = await (
        await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).text();
      for (const expected of [
        'handoff_http_requests_total{route="/v1/okepay/login-link",method="POST",status="200"} 1',
        'handoff_provider_calls_total{provider="OkePay",outcome="ok"} 1',
        'process_resident_memory_bytes',
      ])
        if (!text.includes(expected)) fail(`/metrics lacks ${expected}`);
    },
  );

  await check('docker restart: the data is still there (the same key logs in)', async () => {
    await sh(guideCommand('docker restart handoff'));
    await until('/readyz after the restart', async () =>
      (await fetch(`${base}/readyz`)).ok ? true : undefined,
    );
    await customerToken(base, apiKey, apiSecret);
  });

  await check('docker stop (SIGTERM): exit code 0 after draining', async () => {
    await sh(guideCommand('docker stop handoff'));
    const exitCode = (await sh("docker inspect --format '{{.State.ExitCode}}' handoff")).trim();
    if (exitCode !== '0') fail(`exit code ${exitCode}`);
    const logs = await sh('docker logs handoff 2>&1');
    if (!logs.trimEnd().endsWith('"msg":"stopped: requests drained, database closed"}'))
      fail(`the last line is not the drain:\n${logs.split('\n').slice(-3).join('\n')}`);
  });

  await check('an online SQLite backup holds the data', async () => {
    await sh(
      guideCommand(
        `docker run --rm -v handoff-data:/data -v "$PWD:/backup" debian:bookworm-slim sh -c 'apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null && sqlite3 /data/handoff.db ".backup /backup/handoff-backup.db"'`,
        (c) => c.replace('debian:bookworm-slim', `--network host ${images.DEBIAN_IMAGE}`),
      ),
      { cwd: work },
    );
    const backup = new Database(join(work, 'handoff-backup.db'), { readonly: true });
    try {
      const row = backup.prepare('select count(*) as count from api_keys where id = ?').get(apiKey) as {
        count: number;
      };
      if (row.count !== 1) fail('the backup lacks the API key');
    } finally {
      backup.close();
    }
  });

  await check('migrations as a one-off command', async () => {
    const out = await sh(guideCommand('docker run --rm -v handoff-data:/data handoff migrate'));
    if (!out.includes('Database is up to date (sqlite).')) fail(out);
  });

  await sh('docker rm -f handoff >/dev/null; docker volume rm handoff-data >/dev/null');

  // The compose set: two instances and the proxy over one PostgreSQL database.
  const [port1, port2, metrics1, metrics2, proxyPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const nginxConf = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8')
    .replace('server handoff-1:8787;', `server 127.0.0.1:${port1};`)
    .replace('server handoff-2:8787;', `server 127.0.0.1:${port2};`)
    .replace('listen 80;', `listen 127.0.0.1:${proxyPort};`);
  writeFileSync(join(work, 'nginx.conf'), nginxConf);
  // A database of its own: Kysely's migrator reads the catalogue of the whole database, which
  // fails while other test runs drop their schemas in the shared one.
  const adminUrl = process.env.HANDOFF_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const database = `handoff_container_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString();
  await postgres(adminUrl, `CREATE DATABASE "${database}"`);
  const project = `handoff-test-${randomBytes(3).toString('hex')}`;
  const composeEnv = {
    ...providers,
    COMPOSE_PROJECT_NAME: project,
    HANDOFF_TEST_NODE_IMAGE: images.NODE_IMAGE!,
    HANDOFF_TEST_NGINX_IMAGE: images.NGINX_IMAGE!,
    HANDOFF_TEST_NGINX_CONF: join(work, 'nginx.conf'),
    HANDOFF_TEST_DATABASE_URL: databaseUrl,
    HANDOFF_TEST_PG_SCHEMA: 'handoff',
    HANDOFF_TEST_PORT_1: String(port1),
    HANDOFF_TEST_PORT_2: String(port2),
    HANDOFF_TEST_METRICS_PORT_1: String(metrics1),
    HANDOFF_TEST_METRICS_PORT_2: String(metrics2),
  };
  const inCompose = (c: string) => c.replace('docker compose', compose).replace(' exec ', ' exec -T ');
  try {
    await check('docker compose up: PostgreSQL, two instances, the proxy', async () => {
      // compose.yaml with the test's overrides, less the published ports, which mean nothing on
      // the host's network (and which an override cannot remove in every compose version).
      const merged = await sh(`${compose} -f compose.yaml -f test/container/compose.test.yaml config`, {
        env: composeEnv,
      });
      writeFileSync(join(work, 'compose.yaml'), merged.replace(/^ {4}ports:\n(?:(?: {4}-| {6}).*\n)+/gm, ''));
      Object.assign(composeEnv, { COMPOSE_FILE: join(work, 'compose.yaml') });
      await sh(guideCommand('docker compose up -d', inCompose), { env: composeEnv });
      await until('the proxy', async () =>
        (await fetch(`http://127.0.0.1:${proxyPort}/readyz`)).ok ? true : undefined,
      );
    });

    await check(
      'a customer token minted through one instance works through the other and the proxy',
      async () => {
        await sh(
          guideCommand(
            'docker compose exec handoff-1 handoff users create --email shop-backend@example.com --account default --role integration',
            inCompose,
          ),
          { env: composeEnv },
        );
        const key = JSON.parse(
          await sh(
            guideCommand(
              'docker compose exec handoff-1 handoff keys create --user shop-backend@example.com --json',
              inCompose,
            ),
            { env: composeEnv },
          ),
        ) as { apiKey: string; apiSecret: string };
        const token = await customerToken(`http://127.0.0.1:${port1}`, key.apiKey, key.apiSecret);
        const me = await json(
          await fetch(`http://127.0.0.1:${port2}/v1/me`, { headers: { authorization: `Bearer ${token}` } }),
        );
        if (JSON.stringify(me).length < 10) fail(`/v1/me: ${JSON.stringify(me)}`);
        for (let i = 0; i < 4; i++) {
          const link = await json(
            await post(`http://127.0.0.1:${proxyPort}/v1/okepay/login-link`, {}, token),
          );
          if (!String(link.url).startsWith(sandbox.url.replace(/\/$/, ''))) fail(`link ${String(link.url)}`);
        }
        // Both instances served some of the proxied requests.
        for (const metricsPort of [metrics1, metrics2]) {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          if (
            !/handoff_http_requests_total\{route="\/v1\/okepay\/login-link",method="POST",status="200"\} [1-9]/.test(
              text,
            )
          )
            fail(`the instance with metrics on ${metricsPort} served no link through the proxy`);
        }
        if ((await fetch(`http://127.0.0.1:${proxyPort}/metrics`)).status !== 404)
          fail('the proxy exposes /metrics');
      },
    );
  } finally {
    await check('docker compose down', async () => {
      // With its volumes: the test keeps nothing.
      await sh(
        guideCommand('docker compose down', (c) => `${inCompose(c)} --volumes`),
        { env: composeEnv },
      );
    });
    await postgres(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
} finally {
  await sh('docker rm -f handoff >/dev/null 2>&1; docker volume rm handoff-data >/dev/null 2>&1; true');
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(`\n${passed} passed, ${failed} failed (${((performance.now() - started) / 1000).toFixed(0)} s)`);
process.exit(failed === 0 ? 0 : 1);
