import { describe, expect, it } from 'vitest';
import { forEachStore } from './test-stores.ts';
import type { DirectoryChange } from './types.ts';

const subscription = (
  reference: string,
  eventAt: string,
  extra: Partial<Extract<DirectoryChange, { kind: 'twocheckout_subscription' }>> = {},
): DirectoryChange => ({
  kind: 'twocheckout_subscription',
  reference,
  email: 'ada@example.com',
  status: 'active',
  expiresAt: '2027-01-01T00:00:00.000Z',
  disabled: false,
  eventAt,
  ...extra,
});

const contact = (contactId: number, email: string, eventAt: string, status = 'active'): DirectoryChange => ({
  kind: 'okepay_contact',
  contactId,
  email,
  subscriptionId: 3,
  subscriptionStatus: status,
  eventAt,
});

forEachStore('customer directory', ({ open, openPair, kind }) => {
  it('keeps and compares emails in one normalised form, whatever spelling an event or a customer uses', async () => {
    const { customerDirectory: directory } = await open();
    const decomposed = 'Ame\u0301lie@Example.com';
    await directory.ingest({
      accountId: 'default',
      provider: 'okepay',
      eventKey: 'e1',
      changes: [contact(7, ' ADA@Example.com ', '2026-12-01T10:00:00.000Z')],
    });
    await directory.ingest({
      accountId: 'default',
      provider: '2checkout',
      eventKey: 'e1',
      changes: [subscription('SUB-1', '2026-12-01T10:00:00.000Z', { email: decomposed })],
    });
    expect((await directory.lookup('default', 'ada@example.com')).okepayContactId).toBe(7);
    expect(
      (await directory.lookup('default', 'am\u00e9lie@example.com')).twocheckoutSubscriptions.map(
        (s) => s.reference,
      ),
    ).toEqual(['SUB-1']);
    expect((await directory.lookup('other', 'ada@example.com')).okepayContactId).toBeNull();
  });

  it('records what an event says and resolves it by email', async () => {
    const store = await open();
    const { customerDirectory: directory } = store;
    expect(await directory.lookup('default', 'ada@example.com')).toEqual({
      okepayContactId: null,
      twocheckoutSubscriptions: [],
    });
    const result = await directory.ingest({
      accountId: 'default',
      provider: 'okepay',
      eventKey: 'e1',
      changes: [contact(7, 'ada@example.com', '2026-12-01T10:00:00.000Z')],
    });
    expect(result).toBe('applied');
    await directory.ingest({
      accountId: 'default',
      provider: '2checkout',
      eventKey: 'e1',
      changes: [
        subscription('SUB-2', '2026-12-01T10:00:00.000Z'),
        subscription('SUB-1', '2026-12-01T10:00:00.000Z'),
      ],
    });
    expect(await directory.lookup('default', ' Ada@Example.COM ')).toEqual({
      okepayContactId: 7,
      twocheckoutSubscriptions: [
        { reference: 'SUB-1', status: 'active', expiresAt: '2027-01-01T00:00:00.000Z', disabled: false },
        { reference: 'SUB-2', status: 'active', expiresAt: '2027-01-01T00:00:00.000Z', disabled: false },
      ],
    });
  });

  it('changes nothing for a replayed event', async () => {
    const { customerDirectory: directory } = await open();
    const event = { accountId: 'default', provider: '2checkout', eventKey: 'same' };
    expect(
      await directory.ingest({ ...event, changes: [subscription('SUB-1', '2026-12-01T10:00:00.000Z')] }),
    ).toBe('applied');
    // The same key again, even carrying a newer fact, is a retry: ignored.
    expect(
      await directory.ingest({
        ...event,
        changes: [subscription('SUB-1', '2026-12-02T10:00:00.000Z', { status: 'cancelled' })],
      }),
    ).toBe('duplicate');
    expect((await directory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions[0]?.status).toBe(
      'active',
    );
  });

  it('never lets an older event overwrite a newer one', async () => {
    const store = await open();
    const { customerDirectory: directory } = store;
    const { authKey } = await store.paybisAuthKeys.getOrCreate('default', 'c1');
    const ingest = (eventKey: string, change: DirectoryChange) =>
      directory.ingest({ accountId: 'default', provider: 'x', eventKey, changes: [change] });
    await ingest(
      'new',
      subscription('SUB-1', '2026-12-02T10:00:00.000Z', { status: 'cancelled', disabled: true }),
    );
    await ingest('old', subscription('SUB-1', '2026-12-01T10:00:00.000Z'));
    expect((await directory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions).toEqual([
      { reference: 'SUB-1', status: 'cancelled', expiresAt: '2027-01-01T00:00:00.000Z', disabled: true },
    ]);
    // A later fact without an email keeps the known one.
    await ingest(
      'newer',
      subscription('SUB-1', '2026-12-03T10:00:00.000Z', { email: null, status: 'active' }),
    );
    expect((await directory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions[0]?.status).toBe(
      'active',
    );

    await ingest('c-new', contact(7, 'new@example.com', '2026-12-02T10:00:00.000Z'));
    await ingest('c-old', contact(7, 'ada@example.com', '2026-12-01T10:00:00.000Z'));
    expect((await directory.lookup('default', 'ada@example.com')).okepayContactId).toBeNull();
    expect((await directory.lookup('default', 'new@example.com')).okepayContactId).toBe(7);

    await ingest('p-new', {
      kind: 'paybis_verification',
      authKey,
      status: 'approved',
      eventAt: '2026-12-02T00:00:00.000Z',
    });
    await ingest('p-old', {
      kind: 'paybis_verification',
      authKey,
      status: 'started',
      eventAt: '2026-12-01T00:00:00.000Z',
    });
    expect(await directory.paybisStatus('default', authKey)).toBe('approved');
  });

  it('keeps accounts apart', async () => {
    const store = await open();
    await store.accounts.create({ id: 'acme', name: 'Acme' });
    await store.customerDirectory.ingest({
      accountId: 'acme',
      provider: 'okepay',
      eventKey: 'e1',
      changes: [
        contact(9, 'ada@example.com', '2026-12-01T10:00:00.000Z'),
        subscription('SUB-9', '2026-12-01T10:00:00.000Z'),
      ],
    });
    expect(await store.customerDirectory.lookup('default', 'ada@example.com')).toEqual({
      okepayContactId: null,
      twocheckoutSubscriptions: [],
    });
    expect((await store.customerDirectory.lookup('acme', 'ada@example.com')).okepayContactId).toBe(9);
    // The same event key in another account is another event.
    expect(
      await store.customerDirectory.ingest({
        accountId: 'default',
        provider: 'okepay',
        eventKey: 'e1',
        changes: [],
      }),
    ).toBe('applied');
  });

  it('applies an event once when two deliveries arrive at the same time', async () => {
    // PostgreSQL: two instances. SQLite serves one instance; two connections in one process would
    // block each other's event loop, so its concurrent deliveries share the one store.
    const [a, b] = kind === 'sqlite' ? await open().then((one) => [one, one] as const) : await openPair();
    const event = {
      accountId: 'default',
      provider: '2checkout',
      eventKey: 'parallel',
      changes: [subscription('SUB-1', '2026-12-01T10:00:00.000Z')],
    };
    const results = await Promise.all([a.customerDirectory.ingest(event), b.customerDirectory.ingest(event)]);
    expect(results.sort()).toEqual(['applied', 'duplicate']);
  });

  it('keeps no Paybis status for an auth key the account never created', async () => {
    const store = await open();
    await store.accounts.create({ id: 'acme', name: 'Acme' });
    const { authKey } = await store.paybisAuthKeys.getOrCreate('acme', 'c1');
    const change: DirectoryChange = {
      kind: 'paybis_verification',
      authKey,
      status: 'approved',
      eventAt: '2026-12-01T00:00:00.000Z',
    };
    await store.customerDirectory.ingest({
      accountId: 'default',
      provider: 'paybis',
      eventKey: 'e1',
      changes: [change],
    });
    expect(await store.customerDirectory.paybisStatus('default', authKey)).toBeNull();
    await store.customerDirectory.ingest({
      accountId: 'acme',
      provider: 'paybis',
      eventKey: 'e1',
      changes: [change],
    });
    expect(await store.customerDirectory.paybisStatus('acme', authKey)).toBe('approved');
  });

  describe('retention', () => {
    it('prunes webhook event records after 90 days, not directory rows', async () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const store = await open({ now: () => now });
      await store.customerDirectory.ingest({
        accountId: 'default',
        provider: '2checkout',
        eventKey: 'old',
        changes: [subscription('SUB-1', '2026-01-01T00:00:00.000Z')],
      });
      now = new Date('2026-03-01T00:00:00Z');
      expect(await store.customerDirectory.pruneEvents()).toBe(0);
      now = new Date('2026-04-02T00:00:00Z');
      expect(await store.customerDirectory.pruneEvents()).toBe(1);
      expect(
        (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions,
      ).toHaveLength(1);
    });
  });
});
