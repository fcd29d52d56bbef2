/**
 * The Next.js recipe (`npm run test:nextjs`, after `npm run build`): installs examples/nextjs
 * from its lock file plus the freshly packed @handoff tarballs, runs `next build` and `next
 * start` against the backend and the sandbox, and clicks through in Chromium: sign in, the
 * Server Component page's button, the sandbox's OkePay portal as the signed-in customer.
 * Prints `N passed, N failed` and exits non-zero on any failure.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxEnv } from '@handoff/sandbox';
import { startSandboxServer } from '@handoff/sandbox/node';
import { loadConfig, openStore } from '@handoff/server';
import { startServer } from '@handoff/server/node';
import { launchChromium } from '../support/browser.ts';
import {
  assert,
  check,
  finish,
  pack,
  results,
  root,
  run,
  startProcess,
  stopProcesses,
} from '../packaging/harness.ts';

const example = join(root, 'examples/nextjs');

/** A free port for `next start`, which must be known before it starts (the backend's CORS origin). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'handoff-nextjs-'));
  const sandbox = await startSandboxServer();
  const browser = await launchChromium();
  try {
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_OPTIONS: '' };
    await check('npm ci from the lock file, then the packed @handoff tarballs', async () => {
      await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: example, env });
      const specs = [];
      for (const dir of ['packages/core', 'packages/react', 'packages/node'])
        specs.push((await pack(dir, work)).spec);
      await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
        cwd: example,
        env,
      });
      assert(
        existsSync(join(example, 'node_modules/@handoff/react/dist/index.js')),
        '@handoff/react missing',
      );
    });

    await check('next build', async () => {
      await run('npx', ['--no-install', 'next', 'build'], { cwd: example, env, maxBuffer: 16 * 1024 * 1024 });
    });

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const store = await openStore({ kind: 'sqlite', path: join(work, 'handoff.db') });
    const user = await store.users.create({ email: 'shop@example.com' });
    await store.users.addMembership(user.id, 'default', ['integration']);
    const key = await store.apiKeys.create(user.id);
    const config = loadConfig({
      ...sandboxEnv(sandbox.sandbox),
      HANDOFF_CORS_ORIGINS: origin,
      HANDOFF_LOG_LEVEL: 'silent',
    });
    const backend = await startServer({ ...config, port: 0 }, { store });
    try {
      await check('next start, sign in, and the Server Component page opens the OkePay portal', async () => {
        const app = await startProcess(
          'npx',
          ['--no-install', 'next', 'start', '-H', '127.0.0.1', '-p', String(port)],
          {
            cwd: example,
            env: {
              ...env,
              HANDOFF_URL: backend.url,
              HANDOFF_PUBLIC_URL: backend.url,
              HANDOFF_API_KEY: key.keyId,
              HANDOFF_API_SECRET: key.secret,
            },
          },
        );
        assert(app.includes(String(port)), `next started at ${app}`);
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          await page.goto(`${origin}/sign-in`);
          const button = page.getByRole('button', { name: 'Manage subscription' });
          await button.waitFor();
          const [portal] = await Promise.all([context.waitForEvent('page'), button.click()]);
          await portal.getByTestId('portal-contact-name').waitFor();
          const name = await portal.getByTestId('portal-contact-name').textContent();
          assert(name === 'Ada Lovelace', `portal shows ${name}`);
          assert(portal.url().startsWith(sandbox.sandbox.baseUrl), `portal at ${portal.url()}`);
        } finally {
          await context.close();
        }
      });
    } finally {
      stopProcesses();
      await backend.close();
      await store.close();
    }
  } finally {
    stopProcesses();
    await browser.close();
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  results.failed++;
  console.log(`✗ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
finish();
