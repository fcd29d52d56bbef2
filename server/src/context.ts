import type { HandoffConfig } from './config.ts';
import type { ConnectionResolver } from './connections/resolver.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { Customer, Store } from './store/types.ts';
import type { CustomerIdentity } from '@handoff/core';

/**
 * Embedded mode: an app that mounts Handoff inside its own server identifies the customer from
 * its own session. Return null when nobody is signed in.
 */
export type IdentifyCustomer = (
  request: Request,
) =>
  | Promise<(CustomerIdentity & { accountId?: string }) | null>
  | (CustomerIdentity & { accountId?: string })
  | null;

/** Everything a route needs, built once by `createHandoff`. */
export interface Deps {
  config: HandoffConfig;
  store: Store;
  logger: Logger;
  /** Outbound HTTP to providers (injectable for tests). */
  fetch: typeof fetch;
  now: () => Date;
  identify: IdentifyCustomer | undefined;
  metrics: Metrics;
  /** The provider connection of an account (stored, or the environment's for the default account). */
  connections: ConnectionResolver;
}

/** Hono context variables. */
export interface AppEnv {
  Variables: {
    customer: Customer;
    requestId: string;
  };
}

/** The account used when a customer is identified without one (single-account set-up). */
export const DEFAULT_ACCOUNT_ID = 'default';
