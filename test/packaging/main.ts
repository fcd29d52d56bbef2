/**
 * The packaging test (`npm run test:packaging`, after `npm run build`): packs every published
 * package, installs the tarballs into a fresh app outside the workspace (third-party dependencies
 * from the registry), and runs what README shows: the `handoff` command from the app's own
 * dependencies, the backend it serves with @handoff/node minting and revoking customer tokens,
 * a plain Node server that mounts `createHandoff` (embedded mode), and the elements' script file
 * on a plain page in Chromium, clicked through to the sandbox's OkePay portal.
 * Prints one closing line, `N passed, N failed`, and exits non-zero on any failure.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxEnv } from '@handoff/sandbox';
import { startSandboxServer } from '@handoff/sandbox/node';
import { launchChromium } from '../support/browser.ts';
import { assert, check, finish, pack, results, root, run, startProcess, stopProcesses } from './harness.ts';

/** The published packages, each with the file its build must have produced. */
const PACKAGES = [
  ['packages/core', 'dist/index.js'],
  ['packages/react', 'dist/index.js'],
  ['packages/elements', 'dist/handoff-elements.js'],
  ['packages/node', 'dist/index.js'],
  ['server', 'dist/handoff.js'],
] as const;

/** What a tarball must never carry: sources, tests, stories, fixtures, test helpers. */
const NOT_SHIPPED =
  /(^|\/)(src|test|tests|fixtures|__tests__)\/|\.test\.|\.stories\.|test-(support|stores|identity)/;

/** README's snippets marked `<!-- path -->` must be exactly the files this test runs. */
async function readmeSnippetsAreTheTestedFiles(): Promise<void> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const marked = [
    ...readme.matchAll(/<!-- ((?:test\/packaging|examples)\/[^ ]+) -->\s*```[a-z]*\n([\s\S]*?)```/g),
  ];
  assert(marked.length >= 4, 'README marks fewer snippets than it has');
  for (const [, path, code] of marked) {
    assert(code === (await readFile(join(root, path!), 'utf8')), `README's snippet differs from ${path}`);
  }
}

async function main(): Promise<void> {
  await check("README's snippets are the files run here", readmeSnippetsAreTheTestedFiles);
  for (const [dir, built] of PACKAGES) {
    if (!existsSync(join(root, dir, built))) {
      throw new Error(`${dir}/${built} is missing: run \`npm run build\` first.`);
    }
  }
  // Outside the workspace, so nothing resolves from its node_modules.
  const work = await mkdtemp(join(tmpdir(), 'handoff-packaging-'));
  const tarballs = join(work, 'tarballs');
  const app = join(work, 'app');
  await mkdir(tarballs);
  const sandbox = await startSandboxServer();
  const browser = await launchChromium();
  try {
    const packed: Record<string, string> = {};
    for (const [dir] of PACKAGES) {
      await check(`npm pack --dry-run ${dir} lists no sources, tests or fixtures`, async () => {
        const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: join(root, dir) });
        const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
        const wrong = files.map((f) => f.path).filter((path) => NOT_SHIPPED.test(path));
        assert(wrong.length === 0, `ships ${wrong.join(', ')}`);
      });
      const { name, spec } = await pack(dir, tarballs);
      packed[name] = spec;
    }

    await cp(join(import.meta.dirname, 'app'), app, { recursive: true });
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'handoff-packaging-app',
          private: true,
          type: 'module',
          dependencies: {
            '@handoff/core': packed['@handoff/core'],
            '@handoff/elements': packed['@handoff/elements'],
            '@handoff/node': packed['@handoff/node'],
            '@handoff/server': packed['@handoff/server'],
            '@hono/node-server': '^2.1.8',
            hono: '^4.13.19',
          },
        },
        null,
        2,
      ),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: app,
      maxBuffer: 16 * 1024 * 1024,
    });

    await check('the installed packages are the tarballs, with no TypeScript loader', async () => {
      const core = JSON.parse(
        await readFile(join(app, 'node_modules/@handoff/core/package.json'), 'utf8'),
      ) as {
        version: string;
      };
      assert(core.version === '0.1.0', `@handoff/core ${core.version}`);
      assert(!existsSync(join(app, 'node_modules/tsx')), 'tsx was installed');
      assert(!existsSync(join(app, 'node_modules/@electric-sql/pglite')), 'PGlite was installed');
      assert(!existsSync(join(app, 'node_modules/@handoff/server/src')), 'server sources were installed');
    });

    const env = { ...process.env, HANDOFF_LOG_LEVEL: 'info', NODE_OPTIONS: '' };
    const db = join(work, 'backend.db');
    const handoff = (...args: string[]) =>
      run('npx', ['--no-install', 'handoff', ...args], { cwd: app, env: { ...env, HANDOFF_DB: db } });

    let key = { apiKey: '', apiSecret: '' };
    await check('npx handoff migrate, accounts list, users create, keys create', async () => {
      await handoff('migrate');
      const { stdout } = await handoff('accounts', 'list');
      assert(stdout.includes('default'), `accounts list: ${stdout}`);
      await handoff(
        'users',
        'create',
        '--email',
        'shop@example.com',
        '--account',
        'default',
        '--role',
        'integration',
      );
      key = JSON.parse(
        (await handoff('keys', 'create', '--user', 'shop@example.com', '--json')).stdout,
      ) as typeof key;
      assert(key.apiKey.startsWith('hk_'), 'no API key');
    });

    await check('@handoff/node mints and revokes customer tokens against npx handoff serve', async () => {
      const backend = await startProcess('npx', ['--no-install', 'handoff', 'serve', '--port', '0'], {
        cwd: app,
        env: { ...env, ...sandboxEnv(sandbox.sandbox), HANDOFF_DB: db },
      });
      const host = await startProcess('node', ['host.mjs'], {
        cwd: app,
        env: {
          ...env,
          APP_PORT: '0',
          HANDOFF_URL: backend,
          HANDOFF_API_KEY: key.apiKey,
          HANDOFF_API_SECRET: key.apiSecret,
        },
      });
      const refused = await fetch(`${host}/api/handoff-token`);
      assert(refused.status === 401, `signed out: ${refused.status}`);
      const minted = await fetch(`${host}/api/handoff-token`, { headers: { cookie: 'session=ada' } });
      assert(minted.status === 200, `token: ${minted.status} ${await minted.clone().text()}`);
      const { token, expiresAt } = (await minted.json()) as { token: string; expiresAt: string };
      assert(token.startsWith('hc_') && Date.parse(expiresAt) > Date.now(), 'not a customer token');
      const me = await fetch(`${backend}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await me.json()) as { customer?: { id?: string } };
      assert(me.status === 200 && body.customer?.id === 'ada', `/v1/me: ${me.status}`);
      const signOut = await fetch(`${host}/sign-out`, {
        method: 'POST',
        headers: { cookie: 'session=ada', 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      assert(signOut.ok, `sign-out: ${signOut.status}`);
      const after = await fetch(`${backend}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      assert(after.status === 401, `revoked token: ${after.status}`);
    });

    let embedded = '';
    await check('a plain Node server mounts createHandoff (embedded mode) and answers', async () => {
      embedded = await startProcess('node', ['embedded.mjs'], {
        cwd: app,
        env: { ...env, ...sandboxEnv(sandbox.sandbox), APP_PORT: '0', HANDOFF_DB: join(work, 'embedded.db') },
      });
      const health = await fetch(`${embedded}/handoff/healthz`);
      assert(health.ok, `healthz: ${health.status}`);
      const anonymous = await fetch(`${embedded}/handoff/v1/me`);
      assert(anonymous.status === 401, `signed out /v1/me: ${anonymous.status}`);
      const me = await fetch(`${embedded}/handoff/v1/me`, { headers: { cookie: 'session=ada' } });
      const body = (await me.json()) as { customer?: { id?: string } };
      assert(me.status === 200 && body.customer?.id === 'ada', `/v1/me: ${me.status}`);
    });

    await check('the elements script on a plain page opens the OkePay portal in Chromium', async () => {
      assert(embedded, 'the embedded server did not start');
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${embedded}/sign-in`);
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
    await browser.close();
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  results.failed++;
  console.log(`✗ ${err instanceof Error ? err.message : String(err)}`);
}
finish();
