import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, postJson } from './auth/test-identity.ts';
import { parseDuration, runCli } from './cli.ts';
import { openStore } from './store/index.ts';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-cli-'));
  env = { HANDOFF_DB: join(dir, 'handoff.db'), HANDOFF_LOG_LEVEL: 'silent' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('handoff CLI', () => {
  it('sets up an account, a user and a key that logs in; revoking the key stops it', async () => {
    expect(await cli('migrate')).toMatchObject({ code: 0, stdout: 'Database is up to date (sqlite).\n' });
    const account = await cli(
      'accounts',
      'create',
      '--id',
      'acme',
      '--name',
      'Acme',
      '--support-email',
      'help@acme.test',
      '--whitelabel',
      '{"brandColor":"#0055ff"}',
      '--json',
    );
    expect(account.code).toBe(0);
    expect(JSON.parse(account.stdout)).toMatchObject({
      id: 'acme',
      whitelabelSettings: { brandColor: '#0055ff' },
    });
    expect((await cli('accounts', 'list')).stdout).toBe('acme\tAcme\ndefault\tDefault\n');

    const user = await cli(
      'users',
      'create',
      '--email',
      'Ops@Acme.test',
      '--account',
      'acme',
      '--role',
      'integration',
      '--role',
      'auditor',
    );
    expect(user).toMatchObject({ code: 0, stderr: '' });
    expect(user.stdout).toMatch(
      /^Created user \d+ <ops@acme\.test> in account acme with role\(s\) integration, auditor\.\n$/,
    );

    const key = await cli('keys', 'create', '--user', 'ops@acme.test', '--expires-in', '30d', '--json');
    expect(key.code).toBe(0);
    const { apiKey, apiSecret, expiresAt } = JSON.parse(key.stdout) as Record<string, string>;
    expect(apiKey).toMatch(/^hk_/);
    expect(new Date(expiresAt!).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const store = await openStore({ kind: 'sqlite', path: env.HANDOFF_DB! });
    try {
      const app = testApp(store);
      const login = await postJson(app, '/auth/login', { apiKey, apiSecret });
      expect(login.status).toBe(200);
      expect(await login.json()).toMatchObject({
        email: 'ops@acme.test',
        createdBy: 'cli',
        primaryAccount: { id: 'acme', roles: ['auditor', 'integration'] },
      });
      expect(await cli('keys', 'revoke', apiKey!)).toMatchObject({ code: 0, stdout: `Revoked ${apiKey}.\n` });
      expect((await postJson(app, '/auth/login', { apiKey, apiSecret })).status).toBe(401);
    } finally {
      await store.close();
    }
    expect(await cli('keys', 'revoke', apiKey!)).toMatchObject({
      code: 1,
      stderr: `handoff: No live API key "${apiKey}".\n`,
    });
  });

  it('prints the key and secret once in text form, and finds users by id', async () => {
    await cli('users', 'create', '--email', 'a@example.com', '--account', 'default', '--role', 'admin');
    const key = await cli('keys', 'create', '--user', '1');
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(
      /^API key: +hk_\S+\nAPI secret: +\S{43}\nExpires: +never\nStore the secret now/,
    );
  });

  it('exits 2 on usage errors and 1 on failures, with a clear message', async () => {
    expect((await cli()).code).toBe(2);
    expect(await cli('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "frobnicate"'),
    });
    expect(await cli('accounts', 'create', '--name', 'X')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--id is required'),
    });
    expect(await cli('accounts', 'create', '--id', 'bad id', '--name', 'X')).toMatchObject({ code: 2 });
    expect(await cli('accounts', 'create', '--id', 'x', '--name', 'X', '--bogus')).toMatchObject({ code: 2 });
    expect(await cli('accounts', 'create', '--id', 'x', '--name', 'X', '--whitelabel', '[1]')).toMatchObject({
      code: 2,
    });
    expect(
      await cli('users', 'create', '--email', 'nope', '--account', 'default', '--role', 'admin'),
    ).toMatchObject({ code: 2 });
    expect(await cli('users', 'create', '--email', 'a@b.test', '--account', 'default')).toMatchObject({
      code: 2,
    });
    expect(await cli('keys', 'create', '--user', 'a@b.test', '--expires-in', '5 days')).toMatchObject({
      code: 2,
    });
    expect(await cli('keys', 'revoke')).toMatchObject({ code: 2 });

    expect(await cli('accounts', 'create', '--id', 'default', '--name', 'Again')).toMatchObject({
      code: 1,
      stderr: 'handoff: An account with id "default" already exists.\n',
    });
    expect(
      await cli('users', 'create', '--email', 'a@b.test', '--account', 'ghost', '--role', 'admin'),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No account "ghost"'),
    });
    expect(
      await cli('users', 'create', '--email', 'a@b.test', '--account', 'default', '--role', 'root'),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Unknown role(s): root'),
    });
    expect(await cli('keys', 'create', '--user', 'nobody@b.test')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No user'),
    });
    env.PORT = 'not-a-port';
    expect(await cli('migrate')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Invalid configuration'),
    });
  });

  it('serves until told to stop', async () => {
    let stop!: () => void;
    let stdout = '';
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const done = runCli(['serve', '--port', '0'], {
      stdout: (t) => {
        stdout += t;
        stop();
      },
      stderr: () => undefined,
      env,
      untilStopped: () => stopped,
    });
    expect(await done).toBe(0);
    expect(stdout).toMatch(/^Handoff listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(
      await runCli(['serve', '--port', 'x'], { stdout: () => undefined, stderr: () => undefined, env }),
    ).toBe(2);
    let stderr = '';
    const emptyHost = runCli(['serve', '--port', '0', '--host', ''], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      env,
      untilStopped: () => Promise.resolve(),
    });
    expect(await emptyHost).toBe(2);
    expect(stderr).toContain('--host: must be a host name or address');
  });

  it('parses durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400);
    expect(parseDuration('12h')).toBe(12 * 3600);
    expect(parseDuration('90m')).toBe(5400);
    expect(() => parseDuration('30s')).toThrow(/between/);
    expect(() => parseDuration('4000d')).toThrow(/between/);
    expect(() => parseDuration('1w')).toThrow(/not a duration/);
  });

  it('runs as a program: bin/handoff.js', async () => {
    const bin = fileURLToPath(new URL('../bin/handoff.js', import.meta.url));
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      [bin, 'users', 'create', '--email', 'x@example.com', '--account', 'default', '--role', 'auditor'],
      {
        env: { ...process.env, ...env },
      },
    );
    expect(stdout).toMatch(/^Created user 1 <x@example\.com>/);
    await expect(
      run(process.execPath, [bin, 'nope'], { env: { ...process.env, ...env } }),
    ).rejects.toMatchObject({ code: 2 });
  }, 30_000);
});

describe('handoff connections', () => {
  const okepay = {
    instance: 'acme-shop',
    secret: 'okepay-cli-secret-4f1d',
    apiBase: 'https://api.okepay.info',
  };
  const key = randomBytes(32).toString('base64');

  async function cliWithInput(input: string, ...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env,
      stdin: () => Promise.resolve(input),
    });
    return { code, stdout, stderr };
  }

  it('sets a connection from standard input, lists it without secrets, rotates the key and removes it', async () => {
    env.HANDOFF_ENCRYPTION_KEY = key;
    expect((await cli('accounts', 'create', '--id', 'acme', '--name', 'Acme')).code).toBe(0);
    const set = await cliWithInput(
      JSON.stringify(okepay),
      'connections',
      'set',
      '--account',
      'acme',
      '--provider',
      'okepay',
    );
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(
      /^Set the OkePay connection of account acme \(fields: apiBase, instance, secret\)\.\n/,
    );
    expect(set.stdout).toMatch(/secret=set \([0-9a-f]{12}\)/);
    expect(set.stdout).not.toContain(okepay.secret);

    const listed = await cli('connections', 'list', '--account', 'acme', '--json');
    expect(listed.code).toBe(0);
    const [view] = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(view).toMatchObject({
      provider: 'okepay',
      settings: { instance: 'acme-shop' },
      secrets: { secret: { set: true } },
    });
    expect(listed.stdout).not.toContain(okepay.secret);

    // Neither the file nor its write-ahead log holds the secret.
    const files = readdirSync(dir).map((name) => readFileSync(join(dir, name)));
    expect(files.length).toBeGreaterThan(0);
    for (const bytes of files) {
      expect(bytes.includes(okepay.secret)).toBe(false);
      expect(bytes.includes(Buffer.from(okepay.secret).toString('base64'))).toBe(false);
    }

    env.HANDOFF_ENCRYPTION_KEY = randomBytes(32).toString('hex');
    expect((await cli('connections', 'list', '--account', 'acme')).code).toBe(1);
    env.HANDOFF_ENCRYPTION_KEY_PREVIOUS = key;
    const rotated = await cli('connections', 'rotate-key');
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.stdout).toMatch(/^Sealed 1 secret\(s\) again/);
    delete env.HANDOFF_ENCRYPTION_KEY_PREVIOUS;
    expect((await cli('connections', 'list', '--account', 'acme')).stdout).toMatch(
      /^okepay\tdatabase\tsecrets: secret=set/,
    );

    expect((await cli('connections', 'remove', '--account', 'acme', '--provider', 'okepay')).code).toBe(0);
    expect((await cli('connections', 'list', '--account', 'acme')).stdout).toBe(
      'Account acme has no provider connections.\n',
    );
    const store = await openStore({ kind: 'sqlite', path: env.HANDOFF_DB! });
    try {
      const entries = await store.audit.list({ accountIds: ['acme'], limit: 10 });
      expect(entries.map((e) => e.action)).toEqual(['connection.remove', 'connection.set']);
      expect(JSON.stringify(entries)).not.toContain(okepay.secret);
    } finally {
      await store.close();
    }
  });

  it('refuses secrets on the command line, bad input, unknown providers and accounts, and a missing key', async () => {
    expect(
      (
        await cliWithInput(
          '{}',
          'connections',
          'set',
          '--account',
          'default',
          '--provider',
          'okepay',
          '--secret',
          'x',
        )
      ).code,
    ).toBe(2);
    expect(
      (await cliWithInput('{}', 'connections', 'set', '--account', 'default', '--provider', 'stripe')).code,
    ).toBe(2);
    const noKey = await cliWithInput(
      JSON.stringify(okepay),
      'connections',
      'set',
      '--account',
      'default',
      '--provider',
      'okepay',
    );
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/HANDOFF_ENCRYPTION_KEY is not set/);
    env.HANDOFF_ENCRYPTION_KEY = key;
    const notJson = await cliWithInput(
      'instance=x',
      'connections',
      'set',
      '--account',
      'default',
      '--provider',
      'okepay',
    );
    expect(notJson).toMatchObject({ code: 1 });
    expect(notJson.stderr).toMatch(/one JSON object/);
    const badShape = await cliWithInput(
      JSON.stringify({ ...okepay, apiBase: 'not a url' }),
      'connections',
      'set',
      '--account',
      'default',
      '--provider',
      'okepay',
    );
    expect(badShape.code).toBe(1);
    expect(badShape.stderr).toMatch(/^handoff: apiBase: /);
    const noAccount = await cliWithInput(
      JSON.stringify(okepay),
      'connections',
      'set',
      '--account',
      'nowhere',
      '--provider',
      'okepay',
    );
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toMatch(/No account "nowhere"/);
  });
});
