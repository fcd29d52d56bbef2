/**
 * The one form an email address is kept and compared in: trimmed, Unicode NFC (so a composed and
 * a decomposed "é" are one address), lower case. Every writer and reader of the customer
 * directory uses it, so two spellings of one address neither miss nor land apart.
 */
export function normalizeEmail(value: string): string {
  return value.trim().normalize('NFC').toLowerCase();
}

/** A normalised address that looks like one (has an @, at most 254 characters), or null. */
export function usableEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = normalizeEmail(value);
  return email.length > 0 && email.length <= 254 && email.includes('@') ? email : null;
}
