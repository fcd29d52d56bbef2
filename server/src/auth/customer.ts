import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { DEFAULT_ACCOUNT_ID } from '../context.ts';
import { ApiError, unauthorized } from '../errors.ts';
import { resolveFromDirectory } from './directory-binding.ts';

/** Customer tokens carry this prefix, so a misplaced API session token is refused by shape. */
export const CUSTOMER_TOKEN_PREFIX = 'hc_';

/**
 * Resolves the customer for the customer routes: through the embedded `identify` hook when the
 * host app gave one, otherwise from a customer token (`Authorization: Bearer hc_…`). The
 * browser never names the customer; it only presents a token the host app's server obtained.
 */
export function requireCustomer(deps: Pick<Deps, 'store' | 'identify'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const token = match?.[1];
      if (!token || !token.startsWith(CUSTOMER_TOKEN_PREFIX) || token.length > 200) {
        throw unauthorized('A customer token is required (Authorization: Bearer hc_…).');
      }
      const customer = await deps.store.customerSessions.resolve(token);
      if (!customer) throw unauthorized('The customer token is unknown, expired or revoked.');
      c.set('customer', await resolveFromDirectory(deps.store, customer));
      return next();
    }
    if (deps.identify) {
      let identity;
      try {
        identity = await deps.identify(c.req.raw);
      } catch (cause) {
        throw new ApiError(500, 'internal', 'The host application could not identify the customer.', {
          cause,
        });
      }
      if (!identity) throw unauthorized('No signed-in customer.');
      c.set(
        'customer',
        await resolveFromDirectory(deps.store, {
          ...identity,
          accountId: identity.accountId ?? DEFAULT_ACCOUNT_ID,
          twocheckoutSubscriptions: identity.twocheckoutSubscriptions ?? [],
        }),
      );
      return next();
    }
    throw unauthorized('A customer token is required (Authorization: Bearer hc_…).');
  };
}
