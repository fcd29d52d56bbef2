import { z } from '@hono/zod-openapi';

/** The `{error: {code, message}}` body every failure has, for the OpenAPI document. */
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request',
  401: 'Missing, unknown, expired or revoked credentials',
  403: 'The caller lacks the permission in that account',
  409: 'A request with the same Idempotency-Key is still being answered; retry shortly',
  422: 'The Idempotency-Key was already used with a different request body',
  429: 'Too many failed attempts; see Retry-After',
};

/** OpenAPI error responses for the given statuses. */
export function errorResponses<S extends 400 | 401 | 403 | 409 | 422 | 429>(
  ...statuses: S[]
): Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}
