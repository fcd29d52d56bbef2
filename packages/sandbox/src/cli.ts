import { parseArgs } from 'node:util';
import { sandboxEnv, secondMerchantConnections } from './index.ts';
import { startSandboxServer, type SandboxServer } from './node.ts';
import { MAX_LATENCY_MS } from './faults.ts';

const USAGE = `Usage: handoff-sandbox [--port N] [--host H] [--latency MS]

Serves simulated OkePay, 2Checkout and Paybis APIs and hosted pages, seeded with demo data.

  --port N       port to listen on (default 8790; 0 picks a free one)
  --host H       interface to listen on (default 127.0.0.1)
  --latency MS   delay every provider API answer by MS milliseconds (default 0)
  --help         show this help`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions {
  port: number;
  host: string;
  latencyMs: number;
  help: boolean;
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return Number(value);
}

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { port, host, latency, help } = parsed.values;
  if (host !== undefined && !/^[\w.:-]+$/.test(host))
    throw new UsageError(`--host must be a host name or IP, got "${host}".`);
  return {
    port: port === undefined ? 8790 : integer('--port', port, 0, 65535),
    host: host ?? '127.0.0.1',
    latencyMs: latency === undefined ? 0 : integer('--latency', latency, 0, MAX_LATENCY_MS),
    help: help ?? false,
  };
}

/** Quotes a value for a POSIX shell `export` line. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

interface Output {
  write(text: string): unknown;
}

/** Runs the CLI; resolves with an exit code, or with the running server. */
export async function main(
  argv: string[],
  out: Output = process.stdout,
  err: Output = process.stderr,
): Promise<number | SandboxServer> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`handoff-sandbox: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (options.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  let server;
  try {
    server = await startSandboxServer({
      port: options.port,
      host: options.host,
      faults: options.latencyMs > 0 ? { latencyMs: options.latencyMs } : undefined,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${options.port} is already in use`
        : e instanceof Error
          ? e.message
          : String(e);
    err.write(`handoff-sandbox: cannot listen on ${options.host}:${options.port}: ${reason}\n`);
    return 1;
  }
  const env = sandboxEnv(server.sandbox);
  out.write(
    `Sandbox: ${server.url}\n\nPoint a Handoff backend at it with:\n\n` +
      Object.entries(env)
        .map(([k, v]) => `export ${k}=${shellQuote(v.replace(/\n/g, '\\n'))}`)
        .join('\n') +
      '\n\nA second merchant, for a second account (HANDOFF_ENCRYPTION_KEY set):\n\n' +
      Object.entries(secondMerchantConnections(server.sandbox))
        .map(
          ([provider, connection]) =>
            `printf '%s' ${shellQuote(JSON.stringify(connection))} | npx handoff connections set --account ACCOUNT --provider ${provider}`,
        )
        .join('\n') +
      `\n\nFaults: GET/POST ${server.url}_sandbox/faults. Stop with Ctrl+C.\n`,
  );
  return server;
}

// Run when executed (through bin/handoff-sandbox.js or `tsx src/cli.ts`), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/handoff-sandbox(\.js)?$|cli\.ts$/.test(entry)) {
  const result = await main(process.argv.slice(2));
  if (typeof result === 'number') {
    process.exitCode = result;
  } else {
    const stop = () => void result.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
}
