import { readFileSync } from 'node:fs';

/**
 * Variables whose value may come from a file instead, as `NAME_FILE=/run/secrets/…`: the way
 * container platforms mount secrets. Another module adding a secret variable adds its name here.
 * (The encryption keys of stored connections read their own `_FILE` variants.)
 */
export const SECRET_VARIABLES: readonly string[] = [
  'HANDOFF_OKEPAY_SECRET',
  'HANDOFF_2CO_SECRET_KEY',
  'HANDOFF_PAYBIS_API_KEY',
  'HANDOFF_PAYBIS_PRIVATE_KEY',
  'HANDOFF_METRICS_TOKEN',
  'HANDOFF_WEBHOOK_TOKEN',
  'HANDOFF_OKEPAY_WEBHOOK_SIGNING_KEY',
  'DATABASE_URL',
];

/**
 * The environment with every `NAME_FILE` of `names` read into `NAME` (and `NAME_FILE` itself
 * left out, so that nothing reads the file twice). A file's trailing newline is dropped (editors
 * and `echo` add one). Problems are added to `problems` by variable name: both forms set, or a
 * file that cannot be read; the variable then stays unset.
 */
export function withSecretFiles(
  env: Record<string, string | undefined>,
  problems: string[],
  names: readonly string[] = SECRET_VARIABLES,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Record<string, string | undefined> {
  const resolved = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`]?.trim();
    delete resolved[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name].trim() !== '') {
      problems.push(`${name}_FILE: set ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      resolved[name] = readFile(path).replace(/\r?\n$/, '');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}_FILE: cannot read ${path} (${reason})`);
      resolved[name] = undefined;
    }
  }
  return resolved;
}
