import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError, forbidden, unauthorized } from '../errors.ts';
import type { Membership, SessionRecord, UserRecord } from '../store/types.ts';
import { CUSTOMER_TOKEN_PREFIX } from './customer.ts';
import { SESSION_TOKEN_PREFIX } from './tokens.ts';

/** Known permissions; roles grant them per account (see the store's migrations). */
export type Permission =
  | 'customer-sessions:create'
  | 'customer-sessions:revoke'
  | 'audit:read'
  | 'accounts:manage'
  | 'connections:manage';

/** The API user behind a session token, with their accounts. */
export interface ApiPrincipal {
  token: string;
  session: SessionRecord;
  user: UserRecord;
  /** Primary first. */
  memberships: Membership[];
}

export type SessionEnv = AppEnv & { Variables: { apiPrincipal: ApiPrincipal } };

const MAX_TOKEN_LENGTH = 200;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  return token && token.length <= MAX_TOKEN_LENGTH ? token : null;
}

/**
 * Requires a live API session token (`Authorization: Bearer hs_…`) and, when given, a permission
 * in at least one of the user's accounts (403 otherwise). Routes that act on one account check it
 * there with `accountWithPermission`.
 *
 * @example
 * createRoute({ method: 'get', path: '/v1/audit', middleware: [requireSession(deps, 'audit:read')], ... })
 */
export function requireSession(
  deps: Pick<Deps, 'store'>,
  permission?: Permission,
): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !token.startsWith(SESSION_TOKEN_PREFIX)) {
      const hint = token?.startsWith(CUSTOMER_TOKEN_PREFIX) ? ' A customer token cannot be used here.' : '';
      throw unauthorized(`An API session token is required (Authorization: Bearer hs_…).${hint}`);
    }
    const session = await deps.store.sessions.resolve(token);
    const user = session ? await deps.store.users.get(session.userId) : null;
    if (!session || !user) throw unauthorized('The session token is unknown, expired or revoked.');
    const memberships = await deps.store.users.memberships(user.id);
    if (permission && !memberships.some((m) => m.permissions.includes(permission))) {
      throw forbidden(`This user lacks the "${permission}" permission.`);
    }
    c.set('apiPrincipal', { token, session, user, memberships });
    await next();
  };
}

/**
 * The membership for `accountId` (default: the primary account) if the user holds `permission`
 * there. An account the user does not belong to is refused the same way as a missing permission,
 * so a caller cannot probe which accounts exist.
 */
export function accountWithPermission(
  principal: ApiPrincipal,
  accountId: string | undefined,
  permission: Permission,
): Membership {
  const membership =
    accountId === undefined
      ? principal.memberships.find((m) => m.isPrimary)
      : principal.memberships.find((m) => m.account.id === accountId);
  if (!membership) {
    throw accountId === undefined
      ? new ApiError(400, 'bad_request', 'This user has no primary account: pass accountId.')
      : forbidden(`accountId "${accountId}" is not one of this user's accounts with "${permission}".`);
  }
  if (!membership.permissions.includes(permission)) {
    throw forbidden(`This user lacks the "${permission}" permission in account "${membership.account.id}".`);
  }
  return membership;
}
