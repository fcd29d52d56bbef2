import { readFileSync } from 'node:fs';
import type { ProviderName } from '@handoff/core';
import type { HandoffConfig } from '../config.ts';
import { PROVIDERS, secretValuesOf } from '../providers/registry.ts';
import type { ProviderDefinition, VariableKind } from '../providers/provider.ts';
import {
  ENCRYPTION_KEY_VARIABLE,
  EncryptionKeyError,
  PREVIOUS_KEYS_VARIABLE,
  parseEncryptionKey,
  type EncryptionKey,
  type Keyring,
} from './encryption.ts';

/** A PEM value may be given inline (with real or `\n`-escaped newlines) or as a file path. */
export function readPem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed.replace(/\\n/g, '\n');
  return readFileSync(trimmed, 'utf8').trim();
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/** One variable's text as the field's JSON value; a problem (and undefined) when it cannot be. */
function readVariable(name: string, kind: VariableKind, text: string, problems: string[]): unknown {
  switch (kind) {
    case 'boolean':
      if (TRUE.includes(text.toLowerCase())) return true;
      if (FALSE.includes(text.toLowerCase())) return false;
      problems.push(`${name}: must be true or false`);
      return undefined;
    case 'integer':
      if (/^\d{1,9}$/.test(text)) return Number(text);
      problems.push(`${name}: must be a whole number`);
      return undefined;
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'pem':
      try {
        return readPem(text);
      } catch {
        problems.push(`${name}: neither PEM text nor a readable file`);
        return undefined;
      }
    case 'string':
      return text;
  }
}

/**
 * The default account's connection to one provider, from its environment variables: null when
 * none of its required variables is set. Problems name the variables.
 */
export function environmentConnection(
  provider: ProviderDefinition,
  env: Record<string, string | undefined>,
  problems: string[],
): object | null {
  const variables = Object.entries(provider.environment.variables) as Array<
    [string, { name: string; kind?: VariableKind }]
  >;
  const nameOf = (field: string) => variables.find(([candidate]) => candidate === field)?.[1].name ?? field;
  const isSet = (field: string) => (env[nameOf(field)] ?? '').trim() !== '';
  const required = provider.environment.required as readonly string[];
  const set = required.filter(isSet);
  if (set.length === 0) return null;
  if (set.length < required.length) {
    problems.push(
      `${provider.displayName} is half configured: set ${required
        .filter((field) => !isSet(field))
        .map(nameOf)
        .join(', ')} too (or unset ${set.map(nameOf).join(', ')})`,
    );
    return null;
  }
  const before = problems.length;
  const input: Record<string, unknown> = {};
  for (const [field, { name, kind = 'string' }] of variables) {
    const text = (env[name] ?? '').trim();
    if (text === '') continue;
    const value = readVariable(name, kind, text, problems);
    if (value !== undefined) input[field] = value;
  }
  if (problems.length > before) return null;
  const parsed = provider.schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${nameOf(String(issue.path[0] ?? ''))}: ${issue.message}`);
    }
    return null;
  }
  return parsed.data;
}

/** Every provider's default-account connection from the environment, by provider id. */
export function environmentConnections(
  env: Record<string, string | undefined>,
  problems: string[],
): Partial<Record<ProviderName, object>> {
  const connections: Partial<Record<ProviderName, object>> = {};
  for (const provider of PROVIDERS) {
    const connection = environmentConnection(provider, env, problems);
    if (connection) connections[provider.id] = connection;
  }
  return connections;
}

/** A variable given inline or, with the `_FILE` suffix, as a file to read; both is a problem. */
function inlineOrFile(
  env: Record<string, string | undefined>,
  variable: string,
  problems: string[],
): string | undefined {
  const inline = env[variable]?.trim() || undefined;
  const file = env[`${variable}_FILE`]?.trim() || undefined;
  if (inline && file) {
    problems.push(`${variable} and ${variable}_FILE: set one of them, not both`);
    return undefined;
  }
  if (!file) return inline;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    problems.push(`${variable}_FILE: cannot read "${file}"`);
    return undefined;
  }
}

/**
 * The encryption keys of connection secrets: HANDOFF_ENCRYPTION_KEY (or `_FILE`) seals, and the
 * comma- or line-separated HANDOFF_ENCRYPTION_KEY_PREVIOUS (or `_FILE`) are still read during a
 * rotation. Without a key, the environment's connections still work; stored ones cannot.
 */
export function loadKeyring(env: Record<string, string | undefined>, problems: string[]): Keyring {
  const parse = (text: string, variable: string): EncryptionKey | null => {
    try {
      return parseEncryptionKey(text, variable);
    } catch (err) {
      if (err instanceof EncryptionKeyError) problems.push(err.message);
      else throw err;
      return null;
    }
  };
  const currentText = inlineOrFile(env, ENCRYPTION_KEY_VARIABLE, problems);
  const current = currentText === undefined ? null : parse(currentText, ENCRYPTION_KEY_VARIABLE);
  const previousText = inlineOrFile(env, PREVIOUS_KEYS_VARIABLE, problems) ?? '';
  const previous = previousText
    .split(/[\s,]+/)
    .filter((text) => text !== '')
    .map((text) => parse(text, PREVIOUS_KEYS_VARIABLE))
    .filter((key): key is EncryptionKey => key !== null && key.id !== current?.id);
  if (current === null && previous.length > 0) {
    problems.push(`${PREVIOUS_KEYS_VARIABLE} is set without ${ENCRYPTION_KEY_VARIABLE}: set the new key too`);
  }
  return { current, previous };
}

/** The default account's connections from the environment, by provider id. */
export function environmentConnectionsOf(config: HandoffConfig): Partial<Record<ProviderName, object>> {
  return config.connections;
}

/** The environment's provider secrets, which the logger redacts from the start. */
export function environmentSecrets(config: HandoffConfig): string[] {
  return secretValuesOf(environmentConnectionsOf(config));
}
