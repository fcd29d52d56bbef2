import type { CustomerIdentity } from '@handoff/core';

/** The demo host app's own customers, as its user database would have them. */
export interface DemoCustomer {
  key: string;
  name: string;
  identity: CustomerIdentity;
}

export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
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

export function findCustomer(key: string | undefined): DemoCustomer {
  return DEMO_CUSTOMERS.find((c) => c.key === key) ?? defaultCustomer;
}
