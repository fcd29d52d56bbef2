import type { OkePaySeed } from './okepay.ts';
import { PAYBIS_SECOND_PRIVATE_KEY_PEM, PAYBIS_SECOND_PUBLIC_KEY_PEM } from './paybis-demo-keys.ts';
import type { PaybisSeed } from './paybis.ts';
import type { TwoCheckoutSeed } from './twocheckout.ts';

/**
 * A second demo merchant for every provider, with its own secrets, served under
 * `/merchants/second/`: tests run two accounts against different OkePay instances, 2Checkout
 * merchants and Paybis partners. Its contact 1001 and its customer `demo-customer` exist too, but
 * are other people than the first merchant's, as they would be at two real merchants.
 * Not real credentials.
 */
export const OKEPAY_SECOND = {
  instance: 'second',
  secret: 'okepay-sandbox-second-secret',
  contacts: [
    {
      id: 1001,
      firstName: 'Zoe',
      lastName: 'Second',
      email: 'zoe@second.example',
      subscriptions: [
        {
          id: 9001,
          title: 'Second shop plan',
          amount: 500,
          currency: 'EUR',
          interval: 'monthly',
          status: 'active',
          nextDate: '2026-12-15',
        },
      ],
    },
    { id: 2001, firstName: 'Yann', lastName: 'Second', email: 'yann@second.example', subscriptions: [] },
  ],
} as const satisfies OkePaySeed;

export const TWOCHECKOUT_SECOND: TwoCheckoutSeed = {
  merchantCode: 'HANDOFFSECOND',
  secretKey: 'sandbox-2checkout-second-secret-key',
  customers: [
    { reference: 'demo-customer', email: 'zoe@second.example', firstName: 'Zoe', lastName: 'Second' },
  ],
  subscriptions: [
    {
      reference: 'SUB-SECOND-1',
      customerReference: 'demo-customer',
      productName: 'Second shop (monthly)',
      productCode: 'SECOND-M',
      orderReference: '82000001',
      status: 'ACTIVE',
      expirationDate: '2027-02-01',
    },
  ],
};

export const PAYBIS_SECOND = {
  apiKey: 'pb_sandbox_second_api_key_0c4e8b2d9a1f6e37',
  partnerId: 'handoff-second-partner',
  publicKeyPem: PAYBIS_SECOND_PUBLIC_KEY_PEM,
  /** The second partner's private key (sandbox only). */
  privateKeyPem: PAYBIS_SECOND_PRIVATE_KEY_PEM,
} as const satisfies PaybisSeed & { privateKeyPem: string };
