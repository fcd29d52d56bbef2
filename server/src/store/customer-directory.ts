import { sql, type Kysely } from 'kysely';
import { toIso, type Database } from './schema.ts';
import type { CustomerDirectory, DirectoryChange } from './types.ts';
import { normalizeEmail } from './email.ts';

/** Webhook event records (kept only to recognise retries) are deleted after this many days. */
export const WEBHOOK_EVENT_RETENTION_DAYS = 90;

/**
 * The customer directory over Kysely, the same code for SQLite and PostgreSQL. An event and the
 * changes it brings are written in one transaction, so a crash leaves either both or neither, and
 * the event's key (the primary key of `webhook_events`) makes a retried delivery change nothing.
 */
export function createCustomerDirectory(db: Kysely<Database>, now: () => Date): CustomerDirectory {
  return {
    async ingest({ accountId, provider, eventKey, changes }) {
      return db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('webhook_events')
          .values({
            account_id: accountId,
            provider,
            event_key: eventKey,
            received_at: now().toISOString(),
          })
          .onConflict((oc) => oc.columns(['account_id', 'provider', 'event_key']).doNothing())
          .returning('event_key')
          .executeTakeFirst();
        if (inserted === undefined) return 'duplicate';
        for (const change of changes) await apply(tx, accountId, change);
        return 'applied';
      });
    },

    async lookup(accountId, email) {
      const address = normalizeEmail(email);
      const [contact, subscriptions] = await Promise.all([
        db
          .selectFrom('okepay_contacts')
          .select('contact_id')
          .where('account_id', '=', accountId)
          .where('email', '=', address)
          .orderBy('event_at', 'desc')
          .orderBy('contact_id', 'desc')
          .limit(1)
          .executeTakeFirst(),
        db
          .selectFrom('twocheckout_subscriptions')
          .select(['reference', 'status', 'expires_at', 'disabled'])
          .where('account_id', '=', accountId)
          .where('email', '=', address)
          .orderBy('reference')
          .execute(),
      ]);
      return {
        okepayContactId: contact ? Number(contact.contact_id) : null,
        twocheckoutSubscriptions: subscriptions.map((row) => ({
          reference: row.reference,
          status: row.status,
          expiresAt: row.expires_at === null ? null : toIso(row.expires_at),
          disabled: Number(row.disabled) === 1,
        })),
      };
    },

    async paybisStatus(accountId, authKey) {
      const row = await db
        .selectFrom('paybis_verifications')
        .select('status')
        .where('account_id', '=', accountId)
        .where('auth_key', '=', authKey)
        .executeTakeFirst();
      return row?.status ?? null;
    },

    async pruneEvents() {
      const cutoff = new Date(now().getTime() - WEBHOOK_EVENT_RETENTION_DAYS * 86_400_000).toISOString();
      const result = await db
        .deleteFrom('webhook_events')
        .where('received_at', '<', cutoff)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Writes one fact unless the row already holds a more recent one. */
async function apply(tx: Kysely<Database>, accountId: string, change: DirectoryChange): Promise<void> {
  switch (change.kind) {
    case 'okepay_contact':
      await tx
        .insertInto('okepay_contacts')
        .values({
          account_id: accountId,
          contact_id: change.contactId,
          email: normalizeEmail(change.email),
          subscription_id: change.subscriptionId,
          subscription_status: change.subscriptionStatus,
          event_at: change.eventAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'contact_id'])
            .doUpdateSet({
              email: (eb) => eb.ref('excluded.email'),
              subscription_id: sql`coalesce(excluded.subscription_id, okepay_contacts.subscription_id)`,
              subscription_status: sql`coalesce(excluded.subscription_status, okepay_contacts.subscription_status)`,
              event_at: (eb) => eb.ref('excluded.event_at'),
            })
            .where('okepay_contacts.event_at', '<=', (eb) => eb.ref('excluded.event_at')),
        )
        .execute();
      return;
    case 'twocheckout_subscription':
      await tx
        .insertInto('twocheckout_subscriptions')
        .values({
          account_id: accountId,
          reference: change.reference,
          email: change.email === null ? null : normalizeEmail(change.email),
          status: change.status,
          expires_at: change.expiresAt,
          disabled: change.disabled ? 1 : 0,
          event_at: change.eventAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'reference'])
            .doUpdateSet({
              // A notification without an email or expiry keeps the one already known.
              email: sql`coalesce(excluded.email, twocheckout_subscriptions.email)`,
              status: (eb) => eb.ref('excluded.status'),
              expires_at: sql`coalesce(excluded.expires_at, twocheckout_subscriptions.expires_at)`,
              disabled: (eb) => eb.ref('excluded.disabled'),
              event_at: (eb) => eb.ref('excluded.event_at'),
            })
            .where('twocheckout_subscriptions.event_at', '<=', (eb) => eb.ref('excluded.event_at')),
        )
        .execute();
      return;
    case 'paybis_verification': {
      // Only auth keys this account gave its own customers: anything else is nobody we know.
      const known = await tx
        .selectFrom('paybis_auth_keys')
        .select('customer_id')
        .where('account_id', '=', accountId)
        .where('auth_key', '=', change.authKey)
        .executeTakeFirst();
      if (known === undefined) return;
      await tx
        .insertInto('paybis_verifications')
        .values({
          account_id: accountId,
          auth_key: change.authKey,
          status: change.status,
          event_at: change.eventAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'auth_key'])
            .doUpdateSet({
              status: (eb) => eb.ref('excluded.status'),
              event_at: (eb) => eb.ref('excluded.event_at'),
            })
            .where('paybis_verifications.event_at', '<=', (eb) => eb.ref('excluded.event_at')),
        )
        .execute();
      return;
    }
  }
}
