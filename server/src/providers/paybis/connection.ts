import { z } from 'zod';
import { baseUrl, httpsOrigin, httpsUrl, secretText } from '../fields.ts';
import type { EnvironmentMapping } from '../provider.ts';

/**
 * A Paybis partner: API key, request-signing private key (PEM text) and hosts, plus where the
 * widget may send the customer back to. Return URLs are the server's: fixed here
 * (`successReturnURL`, `failureReturnURL`), or passed by the page only when their origin is one
 * of `allowedReturnOrigins`. A page may pass `cryptoWalletAddress` only when allowed.
 */
export const PaybisConnectionSchema = z.strictObject({
  apiKey: secretText(),
  /** Not used by the server-to-server flow; kept for reference. */
  partnerId: z.string().min(1).max(200).optional(),
  privateKeyPem: secretText(16_384).refine(
    (value) => value.startsWith('-----BEGIN'),
    'must be PEM text ("-----BEGIN PRIVATE KEY-----" …)',
  ),
  apiUrl: baseUrl('https://widget-api.paybis.com'),
  widgetUrl: baseUrl('https://widget.paybis.com'),
  successReturnURL: httpsUrl.optional(),
  failureReturnURL: httpsUrl.optional(),
  allowedReturnOrigins: z.array(httpsOrigin).max(50).default([]),
  allowCryptoWalletAddress: z.boolean().default(false),
});

export type PaybisConnection = z.output<typeof PaybisConnectionSchema>;

export const PAYBIS_SECRET_FIELDS = ['apiKey', 'privateKeyPem'] as const satisfies ReadonlyArray<
  keyof PaybisConnection
>;

export const PAYBIS_ENVIRONMENT: EnvironmentMapping<PaybisConnection> = {
  variables: {
    apiKey: { name: 'HANDOFF_PAYBIS_API_KEY' },
    partnerId: { name: 'HANDOFF_PAYBIS_PARTNER_ID' },
    privateKeyPem: { name: 'HANDOFF_PAYBIS_PRIVATE_KEY', kind: 'pem' },
    apiUrl: { name: 'HANDOFF_PAYBIS_API_URL' },
    widgetUrl: { name: 'HANDOFF_PAYBIS_WIDGET_URL' },
    successReturnURL: { name: 'HANDOFF_PAYBIS_SUCCESS_RETURN_URL' },
    failureReturnURL: { name: 'HANDOFF_PAYBIS_FAILURE_RETURN_URL' },
    allowedReturnOrigins: { name: 'HANDOFF_PAYBIS_ALLOWED_RETURN_ORIGINS', kind: 'list' },
    allowCryptoWalletAddress: { name: 'HANDOFF_PAYBIS_ALLOW_CRYPTO_WALLET_ADDRESS', kind: 'boolean' },
  },
  required: ['apiKey', 'privateKeyPem'],
};

/** A change that keeps the stored API key and private key when it leaves them out. */
export const PaybisConnectionUpdateSchema = PaybisConnectionSchema.partial({
  apiKey: true,
  privateKeyPem: true,
});
