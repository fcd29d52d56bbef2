import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { hashToken } from '../auth/tokens.ts';
import { openStore } from './index.ts';
import { AUDIT_BATCH } from './sql-store.ts';
import { forEachStore } from './test-stores.ts';
import { StoreConflictError } from './types.ts';

const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

forEachStore('store', ({ open, openPair, kind }) => {
  it('runs migrations: roles, permissions and the default account are there', async () => {
    const store = await open();
    expect(store.dialect).toBe(kind === 'sqlite' ? 'sqlite' : 'postgres');
    expect(await store.users.roles()).toEqual(['admin', 'auditor', 'integration']);
    const account = await store.accounts.get('default');
    expect(account).toMatchObject({ id: 'default', name: 'Default', whitelabelSettings: {} });
  });

  describe('paybisAuthKeys.getOrCreate', () => {
    it('creates a key once and returns it ever after, per (account, customer)', async () => {
      const store = await open();
      const first = await store.paybisAuthKeys.getOrCreate('default', 'cust-1');
      expect(first.created).toBe(true);
      expect(first.authKey).toMatch(/^[0-9a-f-]{36}$/);
      const again = await store.paybisAuthKeys.getOrCreate('default', 'cust-1');
      expect(again).toEqual({ authKey: first.authKey, created: false });
      const other = await store.paybisAuthKeys.getOrCreate('default', 'cust-2');
      expect(other.authKey).not.toBe(first.authKey);
      const otherAccount = await store.paybisAuthKeys.getOrCreate('acme', 'cust-1');
      expect(otherAccount.authKey).not.toBe(first.authKey);
    });

    it('gives one key to 50 concurrent first requests across two store instances', async () => {
      const [a, b] = await openPair();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b).paybisAuthKeys.getOrCreate('default', 'race'),
        ),
      );
      const keys = new Set(results.map((r) => r.authKey));
      expect(keys.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const rows = await a.db
        .selectFrom('paybis_auth_keys')
        .selectAll()
        .where('customer_id', '=', 'race')
        .execute();
      expect(rows).toHaveLength(1);
    });
  });

  describe('customer sessions', () => {
    it('binds a customer to a token, stores only its hash, and resolves it until expiry or revocation', async () => {
      let clock = new Date('2030-01-01T00:00:00.000Z');
      const store = await open({ now: () => clock });
      const customer = {
        id: 'c-1',
        email: 'a@example.com',
        okepayContactId: 42,
        twocheckoutSubscriptions: ['SUB1'],
      };
      const created = await store.customerSessions.create({
        accountId: 'default',
        customer,
        expiresAt: new Date('2030-01-01T00:15:00.000Z'),
      });
      expect(created.token).toMatch(/^hc_[A-Za-z0-9_-]{43}$/);
      expect(created.expiresAt).toBe('2030-01-01T00:15:00.000Z');

      const rows = await store.db.selectFrom('customer_sessions').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).toBe(hashToken(created.token));
      expect(JSON.stringify(rows)).not.toContain(created.token);

      expect(await store.customerSessions.resolve(created.token)).toEqual({
        ...customer,
        accountId: 'default',
        sessionId: created.sessionId,
      });
      expect(await store.customerSessions.resolve(created.token.slice(0, -1) + 'x')).toBeNull();
      expect(await store.customerSessions.resolve('hs_' + created.token.slice(3))).toBeNull();

      clock = new Date('2030-01-01T00:15:00.000Z');
      expect(await store.customerSessions.resolve(created.token)).toBeNull();
      clock = new Date('2030-01-01T00:14:59.000Z');
      expect(await store.customerSessions.resolve(created.token)).not.toBeNull();
      expect(await store.customerSessions.revoke(created.token)).toBe(true);
      expect(await store.customerSessions.revoke(created.token)).toBe(false);
      expect(await store.customerSessions.resolve(created.token)).toBeNull();
    });

    it('refuses an unknown account', async () => {
      const store = await open();
      await expect(
        store.customerSessions.create({ accountId: 'nope', customer: { id: 'x' }, expiresAt: later(60) }),
      ).rejects.toBeInstanceOf(StoreConflictError);
    });
  });

  describe('accounts, users and memberships', () => {
    it('creates accounts and refuses duplicate ids', async () => {
      const store = await open();
      const acme = await store.accounts.create({
        id: 'acme',
        name: 'Acme',
        accountName: 'Acme Inc.',
        customerServiceEmail: 'help@acme.test',
        whitelabelSettings: { brand: 'acme' },
      });
      expect(acme).toMatchObject({
        id: 'acme',
        accountName: 'Acme Inc.',
        whitelabelSettings: { brand: 'acme' },
      });
      expect(acme.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      await expect(store.accounts.create({ id: 'acme', name: 'Again' })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect((await store.accounts.list()).map((a) => a.id)).toEqual(['acme', 'default']);
    });

    it('gives users roles per account; the first membership is primary', async () => {
      const store = await open();
      await store.accounts.create({ id: 'acme', name: 'Acme' });
      const user = await store.users.create({ email: 'ops@acme.test', createdBy: 'cli' });
      expect(user.id).toBeTypeOf('number');
      await expect(store.users.create({ email: 'ops@acme.test' })).rejects.toBeInstanceOf(StoreConflictError);
      await store.users.addMembership(user.id, 'acme', ['integration']);
      await store.users.addMembership(user.id, 'default', ['auditor']);
      await store.users.addMembership(user.id, 'acme', ['auditor']);
      const memberships = await store.users.memberships(user.id);
      expect(memberships.map((m) => [m.account.id, m.isPrimary, m.roles, m.permissions])).toEqual([
        [
          'acme',
          true,
          ['auditor', 'integration'],
          ['audit:read', 'customer-sessions:create', 'customer-sessions:revoke'],
        ],
        ['default', false, ['auditor'], ['audit:read']],
      ]);
      await store.users.addMembership(user.id, 'default', [], { primary: true });
      expect((await store.users.memberships(user.id))[0]!.account.id).toBe('default');
      await expect(store.users.addMembership(user.id, 'acme', ['root'])).rejects.toThrow(/Unknown role/);
      await expect(store.users.addMembership(user.id, 'ghost', ['admin'])).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.users.findByEmail('ops@acme.test')).toEqual(user);
      expect(await store.users.findByEmail('nobody@acme.test')).toBeNull();
    });
  });

  describe('API keys and sessions', () => {
    it('verifies a key only with its secret, until revoked or expired', async () => {
      let clock = new Date('2030-01-01T00:00:00.000Z');
      const store = await open({ now: () => clock });
      const user = await store.users.create({ email: 'svc@example.com' });
      const key = await store.apiKeys.create(user.id, { expiresAt: new Date('2030-01-02T00:00:00.000Z') });
      expect(key.keyId).toMatch(/^hk_/);
      const stored = await store.db.selectFrom('api_keys').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain(key.secret);

      expect(await store.apiKeys.verify(key.keyId, key.secret)).toEqual({
        userId: user.id,
        keyId: key.keyId,
        expiresAt: '2030-01-02T00:00:00.000Z',
      });
      expect(await store.apiKeys.verify(key.keyId, key.secret + 'x')).toBeNull();
      expect(await store.apiKeys.verify('hk_unknown', key.secret)).toBeNull();
      expect(await store.apiKeys.verify('other', key.secret)).toBeNull();
      // Not looked up: PostgreSQL would refuse the NUL with an error.
      expect(await store.apiKeys.verify(key.keyId.replace(/.$/, '\u0000'), key.secret)).toBeNull();

      clock = new Date('2030-01-02T00:00:00.000Z');
      expect(await store.apiKeys.verify(key.keyId, key.secret)).toBeNull();
      clock = new Date('2030-01-01T12:00:00.000Z');
      const listed = await store.apiKeys.list(user.id);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.lastUsedAt).toBe('2030-01-01T00:00:00.000Z');
      expect(await store.apiKeys.revoke(key.keyId)).toBe(true);
      expect(await store.apiKeys.revoke(key.keyId)).toBe(false);
      expect(await store.apiKeys.verify(key.keyId, key.secret)).toBeNull();
    });

    it('resolves a session token until it expires or is revoked', async () => {
      let clock = new Date('2030-01-01T00:00:00.000Z');
      const store = await open({ now: () => clock });
      const user = await store.users.create({ email: 'svc@example.com' });
      const session = await store.sessions.create(user.id, {
        expiresAt: new Date('2030-01-01T01:00:00.000Z'),
      });
      expect(session.token).toMatch(/^hs_[A-Za-z0-9_-]{43}$/);
      expect(await store.sessions.resolve(session.token)).toMatchObject({ userId: user.id });
      expect(await store.sessions.resolve('hc_' + session.token.slice(3))).toBeNull();
      clock = new Date('2030-01-01T01:00:00.000Z');
      expect(await store.sessions.resolve(session.token)).toBeNull();
      clock = new Date('2030-01-01T00:30:00.000Z');
      expect(await store.sessions.revoke(session.token)).toBe(true);
      expect(await store.sessions.resolve(session.token)).toBeNull();
    });

    it('revoking a key ends the sessions it opened', async () => {
      const store = await open();
      const user = await store.users.create({ email: 'svc@example.com' });
      const key = await store.apiKeys.create(user.id);
      const session = await store.sessions.create(user.id, { expiresAt: later(3600), apiKeyId: key.keyId });
      await store.apiKeys.revoke(key.keyId);
      expect(await store.sessions.resolve(session.token)).toBeNull();
    });

    it('revoking a key ends the customer sessions made with it, and only those', async () => {
      const store = await open();
      const user = await store.users.create({ email: 'svc@example.com' });
      const leaked = await store.apiKeys.create(user.id);
      const other = await store.apiKeys.create(user.id);
      const customer = (apiKeyId: string | null) =>
        store.customerSessions.create({
          accountId: 'default',
          customer: { id: 'c' },
          expiresAt: later(3600),
          apiKeyId,
        });
      const viaLeaked = await customer(leaked.keyId);
      const viaOther = await customer(other.keyId);
      const unknownKey = await customer(null);

      expect(await store.apiKeys.revoke(leaked.keyId)).toBe(true);
      expect(await store.customerSessions.resolve(viaLeaked.token)).toBeNull();
      expect(await store.customerSessions.resolve(viaOther.token)).not.toBeNull();
      expect(await store.customerSessions.resolve(unknownKey.token)).not.toBeNull();
    });
  });

  describe('audit log', () => {
    it('records entries and lists them newest first, by account, page by page', async () => {
      const store = await open();
      for (let i = 0; i < 5; i++) {
        await store.audit.record({
          action: `a.${i}`,
          outcome: 'success',
          accountId: 'default',
          customerId: `c${i}`,
        });
      }
      await store.audit.record({
        action: 'other',
        outcome: 'failure',
        accountId: 'acme',
        clientIp: '10.0.0.1',
      });
      await store.audit.record({ action: 'none', outcome: 'failure' });
      const page1 = await store.audit.list({ accountIds: ['default'], limit: 3 });
      expect(page1.map((e) => e.action)).toEqual(['a.4', 'a.3', 'a.2']);
      const page2 = await store.audit.list({ accountIds: ['default'], limit: 3, before: page1.at(-1)!.id });
      expect(page2.map((e) => e.action)).toEqual(['a.1', 'a.0']);
      const acme = await store.audit.list({ accountIds: ['acme'], limit: 10 });
      expect(acme).toEqual([
        expect.objectContaining({
          action: 'other',
          outcome: 'failure',
          clientIp: '10.0.0.1',
          accountId: 'acme',
        }),
      ]);
      expect(await store.audit.list({ accountIds: [], limit: 10 })).toEqual([]);
    });

    it('writes entries recorded together, in order, each resolving once its own row is stored', async () => {
      const store = await open();
      const count = AUDIT_BATCH * 2 + 3;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          store.audit.record({ action: `batch.${i}`, outcome: 'success', accountId: 'default', userId: i }),
        ),
      );
      const listed = await store.audit.list({ accountIds: ['default'], limit: count + 1 });
      expect(listed.map((e) => e.action)).toEqual(
        Array.from({ length: count }, (_, i) => `batch.${count - 1 - i}`),
      );
      expect(listed.map((e) => e.userId)).toEqual(Array.from({ length: count }, (_, i) => count - 1 - i));
    });

    it('fails only the entry that cannot be stored when entries are recorded together', async () => {
      const store = await open();
      const results = await Promise.allSettled([
        store.audit.record({ action: 'before', outcome: 'success', accountId: 'default' }),
        // The action is required: this row alone is refused.
        store.audit.record({ action: null as unknown as string, outcome: 'failure', accountId: 'default' }),
        store.audit.record({ action: 'after', outcome: 'success', accountId: 'default' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const listed = await store.audit.list({ accountIds: ['default'], limit: 10 });
      expect(listed.map((e) => e.action)).toEqual(['after', 'before']);
    });
  });
});

describe('openStore', () => {
  it('refuses an unsafe PostgreSQL schema name before connecting', async () => {
    await expect(
      openStore({ kind: 'postgres', url: 'postgres://127.0.0.1:1/x', schema: 'x"; drop table users; --' }),
    ).rejects.toThrow(/Invalid PostgreSQL schema name/);
  });
});

forEachStore('customerSessions.revoke by account', ({ open }) => {
  it('only touches sessions of the given accounts', async () => {
    const store = await open();
    await store.accounts.create({ id: 'acme', name: 'Acme' });
    const s = await store.customerSessions.create({
      accountId: 'acme',
      customer: { id: 'c' },
      expiresAt: later(60),
    });
    expect(await store.customerSessions.revoke(s.token, { accountIds: [] })).toBe(false);
    expect(await store.customerSessions.revoke(s.token, { accountIds: ['default'] })).toBe(false);
    expect(await store.customerSessions.resolve(s.token)).not.toBeNull();
    expect(await store.customerSessions.revoke(s.token, { accountIds: ['default', 'acme'] })).toBe(true);
    expect(await store.customerSessions.resolve(s.token)).toBeNull();
  });
});

forEachStore('purgeExpired', ({ open }) => {
  it('deletes sessions that expired before the cutoff and keeps the rest', async () => {
    const store = await open();
    const user = await store.users.create({ email: 'svc@example.com' });
    const old = new Date('2020-01-01T00:00:00.000Z');
    await store.sessions.create(user.id, { expiresAt: old });
    const live = await store.sessions.create(user.id, { expiresAt: later(3600) });
    await store.customerSessions.create({ accountId: 'default', customer: { id: 'a' }, expiresAt: old });
    const liveCustomer = await store.customerSessions.create({
      accountId: 'default',
      customer: { id: 'b' },
      expiresAt: later(3600),
    });
    expect(await store.purgeExpired(new Date('2021-01-01T00:00:00.000Z'))).toBe(2);
    expect(await store.purgeExpired(new Date('2021-01-01T00:00:00.000Z'))).toBe(0);
    expect(await store.sessions.resolve(live.token)).not.toBeNull();
    expect(await store.customerSessions.resolve(liveCustomer.token)).not.toBeNull();
  });
});

forEachStore('64-bit ids', ({ open, kind }) => {
  it('keeps writing and reading the audit log past 2^31 rows', async () => {
    const store = await open();
    const past = 2 ** 31 + 5;
    // Move the id generator past 2^31 as a long-lived audit log would have.
    if (kind === 'sqlite') {
      await sql`insert into audit_log (id, at, action, outcome) values (${past}, '2030-01-01T00:00:00.000Z', 'seed', 'success')`.execute(
        store.db,
      );
    } else {
      await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), ${past})`.execute(store.db);
    }
    await store.audit.record({ action: 'after', outcome: 'success', accountId: 'default' });
    const [entry] = await store.audit.list({ accountIds: ['default'], limit: 1 });
    expect(entry?.action).toBe('after');
    expect(entry!.id).toBeGreaterThan(2 ** 31);
    expect(await store.audit.list({ accountIds: ['default'], limit: 1, before: entry!.id })).toEqual([]);
  });
});

forEachStore('audit text', ({ open }) => {
  it('stores the same text on both engines: NUL and lone surrogates replaced, long text cut', async () => {
    const store = await open();
    await store.audit.record({
      action: 'a\u0000b',
      outcome: 'failure',
      accountId: 'default',
      customerId: 'x\ud800y😀',
      detail: 'é'.repeat(2000),
    });
    const [entry] = await store.audit.list({ accountIds: ['default'], limit: 1 });
    expect(entry?.action).toBe('a\uFFFDb');
    expect(entry?.customerId).toBe('x\uFFFDy😀');
    expect(entry?.detail).toBe('é'.repeat(500));
  });
});
