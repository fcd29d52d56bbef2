import type { ProviderDefinition } from '../provider.ts';
import { createOkePayClient, type OkePayClient } from './client.ts';
import {
  OKEPAY_ENVIRONMENT,
  OKEPAY_SECRET_FIELDS,
  OkePayConnectionSchema,
  OkePayConnectionUpdateSchema,
  type OkePayConnection,
} from './connection.ts';
import { registerOkePayRoutes } from './route.ts';

/** OkePay (PROVIDERS.md §1): a one-time portal login link for the customer's contact. */
export const okepayProvider: ProviderDefinition<OkePayConnection, OkePayClient> = {
  id: 'okepay',
  displayName: 'OkePay',
  schema: OkePayConnectionSchema,
  updateSchema: OkePayConnectionUpdateSchema,
  secretFields: OKEPAY_SECRET_FIELDS,
  environment: OKEPAY_ENVIRONMENT,
  createClient: (connection, options) => createOkePayClient(connection, options),
  registerRoutes: (app, deps) => registerOkePayRoutes(app, deps),
};
