import type { ProviderDefinition } from '../provider.ts';
import { createTwoCheckoutClient, type TwoCheckoutClient } from './client.ts';
import {
  TWOCHECKOUT_ENVIRONMENT,
  TWOCHECKOUT_SECRET_FIELDS,
  TwoCheckoutConnectionSchema,
  TwoCheckoutConnectionUpdateSchema,
  type TwoCheckoutConnection,
} from './connection.ts';
import { registerTwoCheckoutRoutes } from './route.ts';

/** 2Checkout (PROVIDERS.md §2): myAccount single sign-on for one of the customer's subscriptions. */
export const twocheckoutProvider: ProviderDefinition<TwoCheckoutConnection, TwoCheckoutClient> = {
  id: '2checkout',
  displayName: '2Checkout',
  schema: TwoCheckoutConnectionSchema,
  updateSchema: TwoCheckoutConnectionUpdateSchema,
  secretFields: TWOCHECKOUT_SECRET_FIELDS,
  environment: TWOCHECKOUT_ENVIRONMENT,
  // One client per connection version: its login session is shared by every request of that merchant.
  createClient: (connection, options) => createTwoCheckoutClient(connection, options),
  registerRoutes: (app, deps) => registerTwoCheckoutRoutes(app, deps),
};
