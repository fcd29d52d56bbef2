import { z } from 'zod';
import { baseUrl, secretText } from '../fields.ts';
import type { EnvironmentMapping } from '../provider.ts';

/** An OkePay instance: its name, API secret and API base (white-label domain). */
export const OkePayConnectionSchema = z.strictObject({
  instance: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, 'must be the instance name (letters, digits, dashes)'),
  secret: secretText(),
  apiBase: baseUrl('https://api.okepay.info'),
});

export type OkePayConnection = z.output<typeof OkePayConnectionSchema>;

export const OKEPAY_SECRET_FIELDS = ['secret'] as const satisfies ReadonlyArray<keyof OkePayConnection>;

export const OKEPAY_ENVIRONMENT: EnvironmentMapping<OkePayConnection> = {
  variables: {
    instance: { name: 'HANDOFF_OKEPAY_INSTANCE' },
    secret: { name: 'HANDOFF_OKEPAY_SECRET' },
    apiBase: { name: 'HANDOFF_OKEPAY_API_BASE' },
  },
  required: ['instance', 'secret'],
};

/** A change that keeps the stored secret when it leaves it out. */
export const OkePayConnectionUpdateSchema = OkePayConnectionSchema.partial({ secret: true });
