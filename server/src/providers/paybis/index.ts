import { ConfigError } from '../../config-error.ts';
import { ConnectionFieldError, type ProviderDefinition } from '../provider.ts';
import { assertRsaPrivateKey, createPaybisClient, type PaybisClient } from './client.ts';
import {
  PAYBIS_ENVIRONMENT,
  PAYBIS_SECRET_FIELDS,
  PaybisConnectionSchema,
  PaybisConnectionUpdateSchema,
  type PaybisConnection,
} from './connection.ts';
import { registerPaybisRoutes } from './route.ts';

/** Paybis (PROVIDERS.md §3): the customer's auth key and a signed passwordless widget request. */
export const paybisProvider: ProviderDefinition<PaybisConnection, PaybisClient> = {
  id: 'paybis',
  displayName: 'Paybis',
  schema: PaybisConnectionSchema,
  updateSchema: PaybisConnectionUpdateSchema,
  secretFields: PAYBIS_SECRET_FIELDS,
  environment: PAYBIS_ENVIRONMENT,
  createClient(connection, options) {
    return createPaybisClient(connection, options);
  },
  validate(connection) {
    try {
      assertRsaPrivateKey(connection.privateKeyPem, 'privateKeyPem');
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new ConnectionFieldError('privateKeyPem', err.problems[0]!.replace(/^privateKeyPem: /, ''));
      }
      throw err;
    }
  },
  registerRoutes: (app, deps) => registerPaybisRoutes(app, deps),
};
