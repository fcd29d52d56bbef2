import type { CustomerIdentity } from '@handoff/core';

/** The demo host app's own customers, as its user database would have them. */
export interface DemoCustomer {
  key: string;
  name: string;
  identity: CustomerIdentity;
}

/** The seeded customers, then those who sign up while the demo runs. */
export const DEMO_CUSTOMERS: DemoCustomer[] = [
  {
    key: 'ada',
    name: 'Ada Lovelace',
    identity: {
      id: 'demo-customer',
      email: 'ada@example.com',
      okepayContactId: 1001,
      twocheckoutSubscriptions: ['SUB-DEMO-1', 'SUB-DEMO-2'],
      paybis: true,
    },
  },
  {
    key: 'bruno',
    name: 'Bruno Keller',
    identity: {
      id: 'customer-bruno',
      email: 'bruno@example.com',
      okepayContactId: 1002,
      twocheckoutSubscriptions: [],
      paybis: true,
    },
  },
];

export const defaultCustomer = DEMO_CUSTOMERS[0]!;

let signUps = 0;

/**
 * A new customer of the host app. The app binds them by its own id and the email it verified at
 * sign-up, and nothing else: Handoff learns their provider ids from the providers' webhooks.
 */
export function signUpCustomer(): DemoCustomer {
  signUps += 1;
  const key = `new-${signUps}-${Math.random().toString(36).slice(2, 8)}`;
  const customer: DemoCustomer = {
    key,
    name: `New customer ${signUps}`,
    identity: { id: `customer-${key}`, email: `${key}@example.com`, emailVerified: true, paybis: true },
  };
  DEMO_CUSTOMERS.push(customer);
  return customer;
}

export function findCustomer(key: string | undefined): DemoCustomer {
  return DEMO_CUSTOMERS.find((c) => c.key === key) ?? defaultCustomer;
}
