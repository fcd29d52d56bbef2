import type { Context } from 'hono';
import type { ProviderDefinition } from './provider.ts';

/** Secrets shorter than this are not searched for: they would match ordinary text. */
const MIN_SECRET_LENGTH = 6;

/**
 * The forms a secret may take inside a provider's error text: as it is, URL-encoded, JSON-escaped,
 * base64 and base64url, and for a multi-line secret (a PEM key) each long line on its own.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    if (value.length >= MIN_SECRET_LENGTH) forms.add(value);
  };
  const lines = secret.includes('\n') ? secret.split(/\r?\n/).map((line) => line.trim()) : [];
  for (const value of [secret, ...lines.filter((line) => line.length >= 16 && !line.startsWith('-----'))]) {
    add(value);
    add(encodeURIComponent(value));
    add(JSON.stringify(value).slice(1, -1));
    add(Buffer.from(value, 'utf8').toString('base64'));
    add(Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''));
    add(Buffer.from(value, 'utf8').toString('base64url'));
  }
  return [...forms];
}

/** `text` with every form of every secret replaced by `[redacted]` (longest first). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
  let redacted = text;
  for (const form of forms) if (redacted.includes(form)) redacted = redacted.split(form).join('[redacted]');
  return redacted;
}

const guarded = new WeakMap<Context, string[]>();

/**
 * Marks secrets the current request's provider call knows (its connection's secret fields, the
 * customer's Paybis auth key): the app's error handler removes them from any error message before
 * it is answered or logged.
 *
 * @example
 * guardSecrets(c, connectionSecrets(okepayProvider, resolved.connection));
 */
export function guardSecrets(c: Context, secrets: ReadonlyArray<string | null | undefined>): void {
  const list = guarded.get(c) ?? [];
  for (const secret of secrets) if (secret) list.push(secret);
  guarded.set(c, list);
}

/** The secrets guarded for this request. */
export function guardedSecrets(c: Context): readonly string[] {
  return guarded.get(c) ?? [];
}

/** The values of a connection's secret fields. */
export function connectionSecrets<Connection extends object>(
  provider: Pick<ProviderDefinition<Connection>, 'secretFields'>,
  connection: Connection,
): string[] {
  return provider.secretFields.map((field) => {
    const value: unknown = connection[field];
    return typeof value === 'string' ? value : '';
  });
}
