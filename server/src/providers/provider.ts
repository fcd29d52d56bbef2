import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ProviderName } from '@handoff/core';
import type { z } from 'zod';
import type { AppEnv, Deps } from '../context.ts';
import type { Metrics } from '../observability/metrics.ts';

/** How an environment variable's text becomes a connection field. */
export type VariableKind = 'string' | 'boolean' | 'integer' | 'list' | 'pem';

/** The environment variables that configure the default account's connection to one provider. */
export interface EnvironmentMapping<Connection> {
  /** Field → variable (and how to read its text). */
  variables: { [Field in keyof Connection & string]?: { name: string; kind?: VariableKind } };
  /** The provider is enabled when these are set; some but not all of them is an error. */
  required: ReadonlyArray<keyof Connection & string>;
}

export interface ClientOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => Date;
  /** Counts each provider call (outcome, duration). */
  metrics?: Metrics;
}

/**
 * One provider on the server: its connection (schema, secret fields, environment variables), its
 * client and its routes. `registry.ts` lists them; configuration, the connections API and CLI,
 * `/v1/me`, the app and the logger's redaction all go through that list.
 */
export interface ProviderDefinition<Connection extends object = object, Client = unknown> {
  id: ProviderName;
  /** For messages: `OkePay`, `2Checkout`, `Paybis`. */
  displayName: string;
  /** The whole connection, with defaults applied (strict: unknown fields are refused). */
  schema: z.ZodType<Connection, unknown>;
  /** The same with the secret fields optional: a change that keeps the stored secrets. */
  updateSchema: z.ZodType<Partial<Connection>, unknown>;
  /** Fields encrypted at rest, never returned, and redacted from logs. */
  secretFields: ReadonlyArray<keyof Connection & string>;
  environment: EnvironmentMapping<Connection>;
  /**
   * A client for one connection, built once per connection version (it may keep per-credential
   * state, such as a login session).
   */
  createClient(connection: Connection, options: ClientOptions): Client;
  /**
   * Checks that go beyond the schema (a Paybis key that cannot make the required signature);
   * throws `ConnectionFieldError` naming the field.
   */
  validate?(connection: Connection): void;
  registerRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void;
}

/** A connection field that passed its schema but cannot work; `field` names it. */
export class ConnectionFieldError extends Error {
  override name = 'ConnectionFieldError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
