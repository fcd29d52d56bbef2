/** Characters kept per audit text field; longer text is cut, the same on both engines. */
export const AUDIT_TEXT_MAX = 500;

/**
 * An audit field as both engines store it alike: NUL (which PostgreSQL refuses) and unpaired
 * surrogates (which PostgreSQL replaces, SQLite keeps) become U+FFFD, and the text is cut at
 * AUDIT_TEXT_MAX code points. An audit write never fails on its text, on either engine.
 */
export function auditText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const clean = value.replaceAll('\u0000', '\uFFFD').replace(/\p{Cs}/gu, '\uFFFD');
  const points = Array.from(clean);
  return points.length > AUDIT_TEXT_MAX ? points.slice(0, AUDIT_TEXT_MAX).join('') : clean;
}
