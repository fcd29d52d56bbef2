import { z } from 'zod';

/**
 * Field shapes the provider connection schemas share. Connections come from the environment
 * (the default account) or from the connections API and CLI, and are checked by the same schema.
 */

/** An absolute http(s) URL without a trailing slash (provider API bases and hosts). */
export const baseUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));

/** A secret: printable, no surrounding space, bounded. */
export const secretText = (max = 512) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => value.trim() === value, 'must not start or end with white space');

/**
 * An origin a page may send the customer back to: https only, exactly scheme, host and optional
 * port, as a browser writes it (lower-case host, punycode, no default port).
 */
export const httpsOrigin = z
  .string()
  .max(300)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && `${url.origin}` === value.replace(/\/$/, '') && url.username === '';
    } catch {
      return false;
    }
  }, 'must be an https origin as a browser writes it, such as https://shop.example.com (lower case, no path)')
  .transform((value) => value.replace(/\/$/, ''));

/** A return URL the server fixes: https only. */
export const httpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https URL' })
  .max(2048)
  .refine(
    (value) => !new URL(value).username && !new URL(value).password,
    'must not contain a user name or password',
  );
