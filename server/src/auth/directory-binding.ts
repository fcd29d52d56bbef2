import type { Customer, Store } from '../store/types.ts';

/**
 * A customer bound by verified email gets the provider ids the account's directory holds for that
 * email, looked up at each use, so a subscription bought after the session was made still works.
 * Ids bound explicitly are kept (an explicit OkePay contact id wins); an email that is not marked
 * verified resolves nothing, so an unverified address never opens someone else's portal.
 */
export async function resolveFromDirectory(
  store: Pick<Store, 'customerDirectory'>,
  customer: Customer,
): Promise<Customer> {
  if (customer.emailVerified !== true || customer.email === undefined) return customer;
  const entry = await store.customerDirectory.lookup(customer.accountId, customer.email);
  const explicit = customer.twocheckoutSubscriptions ?? [];
  const references = [...new Set([...explicit, ...entry.twocheckoutSubscriptions.map((s) => s.reference)])];
  const contactId = customer.okepayContactId ?? entry.okepayContactId ?? undefined;
  return {
    ...customer,
    ...(contactId !== undefined ? { okepayContactId: contactId } : {}),
    twocheckoutSubscriptions: references,
    directorySubscriptions: entry.twocheckoutSubscriptions,
  };
}
