import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { consumeQuota } from './attempts.ts';

const MINUTE_MS = 60_000;

/** What a minting request is charged to: always an account, and the customer when there is one. */
export interface MintingCharge {
  accountId: string;
  /** The customer session id (or the embedded customer's id): one stolen token burns only its own quota. */
  customer?: string;
  /** The audit action refused, e.g. `okepay.login_link`. */
  action: string;
  provider?: string | null;
  customerId?: string | null;
  userId?: number | null;
}

/**
 * Charges one minted link, token or session to the customer's and the account's per-minute
 * quotas (`HANDOFF_QUOTA_CUSTOMER_PER_MINUTE`, `HANDOFF_QUOTA_ACCOUNT_PER_MINUTE`), kept in the
 * database so every instance shares them. Beyond either: 429 with `Retry-After`, audited.
 */
export async function chargeMinting(deps: Deps, c: Context, charge: MintingCharge): Promise<void> {
  const { perCustomerPerMinute, perAccountPerMinute } = deps.config.mintingQuota;
  const clock = () => deps.now().getTime();
  const buckets: Array<[string, number]> = [
    ...(charge.customer !== undefined
      ? [[`mint:customer:${charge.accountId}:${charge.customer}`, perCustomerPerMinute] as [string, number]]
      : []),
    [`mint:account:${charge.accountId}`, perAccountPerMinute],
  ];
  for (const [bucket, limit] of buckets) {
    const verdict = await consumeQuota(deps.store.rateLimits, bucket, { limit, windowMs: MINUTE_MS }, clock);
    if (verdict.allowed) continue;
    const whose = bucket.startsWith('mint:customer:') ? 'customer' : 'account';
    await deps.store.audit.record({
      action: charge.action,
      outcome: 'failure',
      accountId: charge.accountId,
      userId: charge.userId ?? null,
      customerId: charge.customerId ?? null,
      provider: charge.provider ?? null,
      clientIp: clientIp(c, deps.config.trustProxy),
      detail: `rate_limited ${whose}`,
    });
    throw new ApiError(429, 'rate_limited', `Too many requests for this ${whose}. Try again later.`, {
      headers: { 'Retry-After': String(verdict.retryAfter) },
    });
  }
}

/**
 * The minting quota for a customer route (after `requireCustomer`).
 *
 * @example
 * createRoute({ ..., middleware: [requireCustomer(deps), mintingQuota(deps, 'okepay.login_link', 'okepay')] })
 */
export function mintingQuota(deps: Deps, action: string, provider: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const customer = c.get('customer');
    await chargeMinting(deps, c, {
      accountId: customer.accountId,
      customer: customer.sessionId ?? `id:${customer.id}`,
      action,
      provider,
      customerId: customer.id,
    });
    await next();
  };
}
