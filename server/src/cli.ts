import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, type HandoffConfig } from './config.ts';
import { EncryptionKeyError } from './connections/encryption.ts';
import { environmentConnectionsOf } from './connections/environment.ts';
import {
  listConnections,
  providerNamed,
  removeConnection,
  rotateKey,
  setConnection,
  type ConnectionContext,
  type ConnectionView,
} from './connections/service.ts';
import { ApiError } from './errors.ts';
import { startServer } from './node.ts';
import { DEFAULT_ACCOUNT_ID } from './context.ts';
import { webhookPath } from './webhooks/token.ts';
import { openStore, type SqlStore } from './store/index.ts';
import { StoreConflictError } from './store/types.ts';

/**
 * The `handoff` command: run the server, migrate the database, and manage accounts, API users
 * and keys. Exit codes: 0 success, 1 failure, 2 usage error.
 */

export const USAGE = `Usage: handoff <command> [options]

Commands:
  serve [--port N] [--host H]             Run the backend (default: HANDOFF_HOST, PORT; HANDOFF_DB or DATABASE_URL)
  migrate                                 Create or upgrade the database schema
  accounts create --id ID --name NAME     Create an account
      [--account-name N] [--unique-id U] [--repcode R] [--phone P] [--support-email E]
      [--whitelabel JSON] [--json]
  accounts list [--json]                  List accounts
  users create --email E --account ID --role R [--role R2 ...] [--json]
                                          Create an API user (or add an existing one to the account)
                                          Roles: admin, integration, auditor
  keys create --user EMAIL|ID [--expires-in 30d] [--json]
                                          Create an API key; the secret is shown only once
  keys revoke KEYID                       Revoke an API key, its sessions and their customer tokens
  connections set --account ID --provider okepay|2checkout|paybis
                                          Set a provider connection from ONE JSON object on standard input
                                          (secrets never on the command line; fields: see README)
  connections list --account ID [--json]  Show connections: fields set, secret fingerprints, settings
  connections remove --account ID --provider P
                                          Remove a provider connection
  connections webhook-token --account ID --provider P
                                          Make or replace the connection's webhook URL (shown once)
  connections rotate-key                  Seal every stored secret again under HANDOFF_ENCRYPTION_KEY
                                          (old keys in HANDOFF_ENCRYPTION_KEY_PREVIOUS); safe to re-run

The database comes from the environment: DATABASE_URL (PostgreSQL) or HANDOFF_DB (SQLite file,
default ./handoff.db).`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the process should stop serving (SIGINT/SIGTERM); for `serve`. */
  untilStopped?: () => Promise<void>;
  /** Standard input, read whole; for `connections set`. */
  stdin?: () => Promise<string>;
}

class UsageError extends Error {
  override name = 'UsageError';
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const DURATION = /^(\d{1,6})([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** API keys live at most ten years; "never" is spelt by leaving --expires-in out. */
const MAX_KEY_LIFETIME_SECONDS = 3650 * 86_400;

/** `30d`, `12h`, `90m`, `3600s` → seconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new UsageError(`--expires-in: "${text}" is not a duration like 30d, 12h, 90m or 3600s.`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds < 60 || seconds > MAX_KEY_LIFETIME_SECONDS) {
    throw new UsageError('--expires-in: must be between 1 minute and 3650 days.');
  }
  return seconds;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  positionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals === 0
        ? `Unexpected argument "${parsed.positionals[0]}".`
        : `Expected ${positionals} argument(s), got ${parsed.positionals.length}.`,
    );
  }
  return parsed;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value.trim();
}

async function withStore<T>(config: HandoffConfig, work: (store: SqlStore) => Promise<T>): Promise<T> {
  const store = await openStore(config.database);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const config = () => loadConfig(io.env);

    switch (command) {
      case 'serve': {
        const { values } = parse(argv.slice(1), { port: { type: 'string' }, host: { type: 'string' } });
        const cfg = config();
        if (values.port !== undefined) {
          // 0 asks the system for a free port (tests, side-by-side runs).
          if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65_535) {
            throw new UsageError('--port: must be a port number (0 for any free port).');
          }
          cfg.port = Number(values.port);
        }
        if (values.host !== undefined) {
          // An empty host would listen on every interface.
          if (values.host.trim() === '') throw new UsageError('--host: must be a host name or address.');
          cfg.host = values.host.trim();
        }
        const server = await startServer(cfg);
        io.stdout(`Handoff listening on ${server.url}\n`);
        await (io.untilStopped ?? untilSignal)();
        await server.close();
        return 0;
      }
      case 'migrate': {
        parse(argv.slice(1), {});
        const cfg = config();
        await withStore(cfg, () => Promise.resolve());
        io.stdout(`Database is up to date (${cfg.database.kind}).\n`);
        return 0;
      }
      case 'accounts':
        return await accounts(sub, rest, config, io);
      case 'users':
        return await users(sub, rest, config, io);
      case 'keys':
        return await keys(sub, rest, config, io);
      case 'connections':
        return await connections(sub, rest, config, io);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`handoff: ${err.message}\nRun "handoff help" for usage.\n`);
      return 2;
    }
    if (
      err instanceof ConfigError ||
      err instanceof StoreConflictError ||
      err instanceof CliFailure ||
      err instanceof ApiError ||
      err instanceof EncryptionKeyError
    ) {
      io.stderr(`handoff: ${err.message}\n`);
      return 1;
    }
    io.stderr(`handoff: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

class CliFailure extends Error {
  override name = 'CliFailure';
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function accounts(sub: string | undefined, args: string[], config: () => HandoffConfig, io: CliIo) {
  if (sub === 'create') {
    const { values } = parse(args, {
      id: { type: 'string' },
      name: { type: 'string' },
      'account-name': { type: 'string' },
      'unique-id': { type: 'string' },
      repcode: { type: 'string' },
      phone: { type: 'string' },
      'support-email': { type: 'string' },
      whitelabel: { type: 'string' },
      json: { type: 'boolean' },
    });
    const id = required(values, 'id');
    if (!ACCOUNT_ID.test(id))
      throw new UsageError('--id: use 1-100 letters, digits, "-" or "_", starting with a letter or digit.');
    const name = required(values, 'name');
    if (name.length > 200) throw new UsageError('--name: at most 200 characters.');
    const supportEmail = values['support-email'];
    if (supportEmail !== undefined && !z.email().safeParse(supportEmail).success) {
      throw new UsageError(`--support-email: "${supportEmail}" is not an email address.`);
    }
    let whitelabelSettings: Record<string, unknown> | undefined;
    if (values.whitelabel !== undefined) {
      try {
        const parsed: unknown = JSON.parse(values.whitelabel);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        whitelabelSettings = parsed as Record<string, unknown>;
      } catch {
        throw new UsageError('--whitelabel: must be a JSON object, e.g. \'{"brandColor":"#0055ff"}\'.');
      }
    }
    const account = await withStore(config(), (store) =>
      store.accounts.create({
        id,
        name,
        accountName: values['account-name'] ?? null,
        uniqueId: values['unique-id'] ?? null,
        repcode: values.repcode ?? null,
        customerServicePhone: values.phone ?? null,
        customerServiceEmail: supportEmail ?? null,
        ...(whitelabelSettings ? { whitelabelSettings } : {}),
      }),
    );
    io.stdout(
      values.json ? `${JSON.stringify(account)}\n` : `Created account ${account.id} (${account.name}).\n`,
    );
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(args, { json: { type: 'boolean' } });
    const list = await withStore(config(), (store) => store.accounts.list());
    io.stdout(values.json ? `${JSON.stringify(list)}\n` : list.map((a) => `${a.id}\t${a.name}\n`).join(''));
    return 0;
  }
  throw new UsageError(`Unknown command "accounts ${sub ?? ''}": use "accounts create" or "accounts list".`);
}

async function users(sub: string | undefined, args: string[], config: () => HandoffConfig, io: CliIo) {
  if (sub !== 'create') throw new UsageError(`Unknown command "users ${sub ?? ''}": use "users create".`);
  const { values } = parse(args, {
    email: { type: 'string' },
    account: { type: 'string' },
    role: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const email = required(values, 'email').toLowerCase();
  if (!z.email().safeParse(email).success)
    throw new UsageError(`--email: "${email}" is not an email address.`);
  const accountId = required(values, 'account');
  const roles = values.role ?? [];
  if (roles.length === 0)
    throw new UsageError('--role is required (admin, integration or auditor; repeat for more).');

  const result = await withStore(config(), async (store) => {
    if (!(await store.accounts.get(accountId))) {
      throw new CliFailure(
        `No account "${accountId}". Create it first: handoff accounts create --id ${accountId} --name NAME`,
      );
    }
    const existing = await store.users.findByEmail(email);
    const user = existing ?? (await store.users.create({ email, createdBy: 'cli' }));
    await store.users.addMembership(user.id, accountId, roles);
    return { user, created: existing === null };
  });
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ id: result.user.id, email, accountId, roles, created: result.created })}\n`,
    );
  } else {
    io.stdout(
      `${result.created ? 'Created' : 'Updated'} user ${result.user.id} <${email}> in account ${accountId} with role(s) ${roles.join(', ')}.\n`,
    );
  }
  return 0;
}

async function keys(sub: string | undefined, args: string[], config: () => HandoffConfig, io: CliIo) {
  if (sub === 'create') {
    const { values } = parse(args, {
      user: { type: 'string' },
      'expires-in': { type: 'string' },
      json: { type: 'boolean' },
    });
    const who = required(values, 'user');
    const lifetime = values['expires-in'] !== undefined ? parseDuration(values['expires-in']) : null;
    const { key, userId } = await withStore(config(), async (store) => {
      const user = /^\d+$/.test(who)
        ? await store.users.get(Number(who))
        : await store.users.findByEmail(who.toLowerCase());
      if (!user)
        throw new CliFailure(
          `No user "${who}". Create one first: handoff users create --email E --account ID --role R`,
        );
      const expiresAt = lifetime === null ? null : new Date(Date.now() + lifetime * 1000);
      return { key: await store.apiKeys.create(user.id, { expiresAt }), userId: user.id };
    });
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ apiKey: key.keyId, apiSecret: key.secret, userId, expiresAt: key.expiresAt })}\n`,
      );
    } else {
      io.stdout(
        `API key:    ${key.keyId}\nAPI secret: ${key.secret}\nExpires:    ${key.expiresAt ?? 'never'}\n` +
          'Store the secret now: it is not kept and cannot be shown again.\n',
      );
    }
    return 0;
  }
  if (sub === 'revoke') {
    const { positionals } = parse(args, {}, 1);
    const keyId = positionals[0]!;
    const revoked = await withStore(config(), (store) => store.apiKeys.revoke(keyId));
    if (!revoked) throw new CliFailure(`No live API key "${keyId}".`);
    io.stdout(`Revoked ${keyId}.\n`);
    return 0;
  }
  throw new UsageError(`Unknown command "keys ${sub ?? ''}": use "keys create" or "keys revoke".`);
}

/** Most a connection document on standard input may be (a PEM key and a few settings). */
const MAX_CONNECTION_INPUT = 64 * 1024;

function webhookTokenNotice(displayName: string, path: string): string {
  return (
    `${displayName} webhook URL (shown once; paste it into the provider after this server's public URL):\n` +
    `  ${path}\n`
  );
}

async function connections(sub: string | undefined, args: string[], config: () => HandoffConfig, io: CliIo) {
  const context = (cfg: HandoffConfig, store: SqlStore): ConnectionContext => ({
    store: store.connections,
    webhookEndpoints: store.webhookEndpoints,
    keyring: cfg.encryption,
    environment: environmentConnectionsOf(cfg),
  });
  if (sub === 'set') {
    const { values } = parse(args, { account: { type: 'string' }, provider: { type: 'string' } });
    const accountId = required(values, 'account');
    const provider = providerOption(required(values, 'provider'));
    if (!io.stdin) throw new UsageError('connections set reads the connection as JSON from standard input.');
    const text = await io.stdin();
    if (text.length > MAX_CONNECTION_INPUT) throw new CliFailure('The JSON on standard input is too large.');
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      throw new CliFailure('Standard input must be one JSON object, e.g. {"instance":"shop","secret":"…"}.');
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new CliFailure('Standard input must be one JSON object.');
    }
    const cfg = config();
    const { view, fields } = await withStore(cfg, async (store) => {
      await requireAccount(store, accountId);
      const result = await setConnection(context(cfg, store), accountId, provider, input);
      await store.audit.record({
        action: 'connection.set',
        outcome: 'success',
        accountId,
        provider: provider.id,
        detail: `fields: ${result.fields.join(', ')} (cli)`,
      });
      return result;
    });
    io.stdout(
      `Set the ${provider.displayName} connection of account ${accountId} (fields: ${fields.join(', ')}).\n`,
    );
    io.stdout(describe(view));
    // A new connection gets its webhook URL at once; an existing one keeps the URL already pasted.
    const token = await withStore(cfg, async (store) =>
      (await store.webhookEndpoints.list(accountId)).some((w) => w.provider === provider.id)
        ? null
        : (await store.webhookEndpoints.rotate(accountId, provider.id)).token,
    );
    if (token !== null) io.stdout(webhookTokenNotice(provider.displayName, webhookPath(provider.id, token)));
    return 0;
  }
  if (sub === 'webhook-token') {
    const { values } = parse(args, { account: { type: 'string' }, provider: { type: 'string' } });
    const accountId = required(values, 'account');
    const provider = providerOption(required(values, 'provider'));
    const cfg = config();
    const { token } = await withStore(cfg, async (store) => {
      await requireAccount(store, accountId);
      const made = await store.webhookEndpoints.rotate(accountId, provider.id);
      await store.audit.record({
        action: 'webhook_token.rotate',
        outcome: 'success',
        accountId,
        provider: provider.id,
        detail: 'rotated (cli)',
      });
      return made;
    });
    io.stdout(webhookTokenNotice(provider.displayName, webhookPath(provider.id, token)));
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(args, { account: { type: 'string' }, json: { type: 'boolean' } });
    const accountId = required(values, 'account');
    const cfg = config();
    const { list, webhooks } = await withStore(cfg, async (store) => {
      await requireAccount(store, accountId);
      return {
        list: await listConnections(context(cfg, store), accountId),
        webhooks: await store.webhookEndpoints.list(accountId),
      };
    });
    const webhookPaths = (providerId: string) => [
      ...(webhooks.some((w) => w.provider === providerId) ? [webhookPath(providerId, '{token}')] : []),
      ...(accountId === DEFAULT_ACCOUNT_ID && cfg.webhookToken !== null
        ? [webhookPath(providerId, '{HANDOFF_WEBHOOK_TOKEN}')]
        : []),
    ];
    if (values.json) {
      io.stdout(
        `${JSON.stringify(list.map((view) => ({ ...view, webhookPaths: webhookPaths(view.provider) })))}\n`,
      );
    } else
      io.stdout(
        list.length === 0
          ? `Account ${accountId} has no provider connections.\n`
          : list
              .map((view) => {
                const paths = webhookPaths(view.provider);
                return `${describe(view)}${paths.length > 0 ? `  webhooks: ${paths.join(', ')}\n` : ''}`;
              })
              .join(''),
      );
    return 0;
  }
  if (sub === 'remove') {
    const { values } = parse(args, { account: { type: 'string' }, provider: { type: 'string' } });
    const accountId = required(values, 'account');
    const provider = providerOption(required(values, 'provider'));
    const cfg = config();
    await withStore(cfg, async (store) => {
      if (!(await removeConnection(context(cfg, store), accountId, provider))) {
        throw new CliFailure(`Account "${accountId}" has no stored ${provider.displayName} connection.`);
      }
      await store.audit.record({
        action: 'connection.remove',
        outcome: 'success',
        accountId,
        provider: provider.id,
        detail: 'removed (cli)',
      });
    });
    io.stdout(`Removed the ${provider.displayName} connection of account ${accountId}.\n`);
    return 0;
  }
  if (sub === 'rotate-key') {
    parse(args, {});
    const cfg = config();
    const result = await withStore(cfg, (store) =>
      rotateKey({ store: store.connections, keyring: cfg.encryption }),
    );
    io.stdout(
      `Sealed ${result.rotated} secret(s) again under the current key (${result.connections} connection(s) checked). ` +
        'Once every instance runs with the new key, HANDOFF_ENCRYPTION_KEY_PREVIOUS can be removed.\n',
    );
    return 0;
  }
  throw new UsageError(
    `Unknown command "connections ${sub ?? ''}": use "connections set", "list", "remove", "webhook-token" or "rotate-key".`,
  );
}

function providerOption(id: string) {
  try {
    return providerNamed(id);
  } catch (err) {
    if (err instanceof ApiError) throw new UsageError(`--provider: ${err.message}`);
    throw err;
  }
}

async function requireAccount(store: SqlStore, accountId: string): Promise<void> {
  if (!(await store.accounts.get(accountId))) {
    throw new CliFailure(
      `No account "${accountId}". Create it first: handoff accounts create --id ${accountId} --name NAME`,
    );
  }
}

/** One connection as text: provider, where it comes from, secrets (set + fingerprint), settings. */
function describe(view: ConnectionView): string {
  const secrets = Object.entries(view.secrets)
    .map(
      ([field, { set, fingerprint }]) =>
        `${field}=${set ? `set${fingerprint ? ` (${fingerprint})` : ''}` : 'unset'}`,
    )
    .join(', ');
  const settings = Object.entries(view.settings)
    .map(([field, value]) => `${field}=${JSON.stringify(value)}`)
    .join(', ');
  return `${view.provider}\t${view.source}\tsecrets: ${secrets}\tsettings: ${settings}\n`;
}
