import { z } from 'zod';
import { secretText } from '../fields.ts';
import type { EnvironmentMapping } from '../provider.ts';

/** The documented bounds of getSingleSignOn's validityTime that the backend allows, in seconds. */
export const VALIDITY_TIME_BOUNDS = { min: 5, max: 300 } as const;

const validityTime = z.number().int().min(VALIDITY_TIME_BOUNDS.min).max(VALIDITY_TIME_BOUNDS.max);

/**
 * A 2Checkout merchant: its code, secret key and login hash, plus what the server decides for
 * every single sign-on: IP binding, the default and longest link lifetime, and whether the
 * customer's email is sent (off by default: 2Checkout refuses an email other than the one it holds).
 */
const TwoCheckoutConnectionFields = z.strictObject({
  merchantCode: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the merchant code (letters, digits)'),
  secretKey: secretText(),
  hashAlgo: z.enum(['md5', 'sha256', 'sha3-256']).default('md5'),
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .default('https://api.2checkout.com/rpc/6.0/'),
  bindIp: z.boolean().default(false),
  defaultValidityTime: validityTime.default(30),
  maxValidityTime: validityTime.default(VALIDITY_TIME_BOUNDS.max),
  sendCustomerEmail: z.boolean().default(false),
});

export const TwoCheckoutConnectionSchema = TwoCheckoutConnectionFields.refine(
  (c) => c.defaultValidityTime <= c.maxValidityTime,
  {
    path: ['defaultValidityTime'],
    message: 'must not be more than maxValidityTime',
  },
);

/** A change that keeps the stored secret key when it leaves it out. */
export const TwoCheckoutConnectionUpdateSchema = TwoCheckoutConnectionFields.partial({ secretKey: true });

export type TwoCheckoutConnection = z.output<typeof TwoCheckoutConnectionSchema>;

export const TWOCHECKOUT_SECRET_FIELDS = ['secretKey'] as const satisfies ReadonlyArray<
  keyof TwoCheckoutConnection
>;

export const TWOCHECKOUT_ENVIRONMENT: EnvironmentMapping<TwoCheckoutConnection> = {
  variables: {
    merchantCode: { name: 'HANDOFF_2CO_MERCHANT_CODE' },
    secretKey: { name: 'HANDOFF_2CO_SECRET_KEY' },
    hashAlgo: { name: 'HANDOFF_2CO_HASH_ALGO' },
    apiUrl: { name: 'HANDOFF_2CO_API_URL' },
    bindIp: { name: 'HANDOFF_2CO_BIND_IP', kind: 'boolean' },
    defaultValidityTime: { name: 'HANDOFF_2CO_DEFAULT_VALIDITY_TIME', kind: 'integer' },
    maxValidityTime: { name: 'HANDOFF_2CO_MAX_VALIDITY_TIME', kind: 'integer' },
    sendCustomerEmail: { name: 'HANDOFF_2CO_SEND_CUSTOMER_EMAIL', kind: 'boolean' },
  },
  required: ['merchantCode', 'secretKey'],
};
