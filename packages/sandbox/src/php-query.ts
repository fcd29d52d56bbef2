/**
 * PHP's view of a form body, for verifying OkePay signatures the way the real API does: the body
 * is parsed as PHP parses `$_POST` (nested `a[b]` keys, `a[]` lists, a repeated key keeps its
 * first position and last value), and the signed string is rebuilt with `http_build_query`
 * (RFC 1738: space as `+`, everything but `A-Za-z0-9-_.` percent-encoded in upper case).
 */

/** A parsed form body: strings, or nested ordered maps for `a[b]=c` keys. */
export type PhpFormValue = string | PhpForm;
export type PhpForm = Map<string, PhpFormValue>;

/** PHP `urlencode` (RFC 1738). */
export function phpUrlencode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Splits `a[b][]` into `['a', 'b', '']`; PHP turns `.` and spaces in the base name into `_`. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key.replace(/[. ]/g, '_')];
  const parts = [key.slice(0, open).replace(/[. ]/g, '_')];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(rest)) !== null) {
    parts.push(match[1]!);
    consumed = re.lastIndex;
  }
  // An unbalanced bracket makes PHP treat the remainder as part of a plain name.
  if (consumed === 0) return [key.replace(/[. []/g, '_')];
  return parts;
}

function nextIndex(map: PhpForm): string {
  let max = -1;
  for (const k of map.keys()) if (/^(0|-?[1-9]\d*)$/.test(k)) max = Math.max(max, Number(k));
  return String(max + 1);
}

/** Parses a urlencoded body the way PHP fills `$_POST`. */
export function parsePhpForm(body: string): PhpForm {
  const root: PhpForm = new Map();
  for (const [rawKey, value] of new URLSearchParams(body)) {
    if (rawKey === '') continue;
    const parts = splitKey(rawKey);
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const part = parts[i] === '' && i > 0 ? nextIndex(node) : parts[i]!;
      if (last) {
        node.set(part, value);
      } else {
        const existing = node.get(part);
        if (existing instanceof Map) {
          node = existing;
        } else {
          const child: PhpForm = new Map();
          node.set(part, child);
          node = child;
        }
      }
    }
  }
  return root;
}

/** PHP `http_build_query` over a parsed form (nested keys as `a%5Bb%5D`). */
export function httpBuildQuery(form: PhpForm, prefix?: string): string {
  const out: string[] = [];
  for (const [key, value] of form) {
    const name = prefix === undefined ? phpUrlencode(key) : `${prefix}%5B${phpUrlencode(key)}%5D`;
    if (value instanceof Map) {
      const nested = httpBuildQuery(value, name);
      if (nested) out.push(nested);
    } else {
      out.push(`${name}=${phpUrlencode(value)}`);
    }
  }
  return out.join('&');
}

/** The string an OkePay client signed: every received parameter except `ApiSignature` and `instance`, in received order. */
export function okePaySignedString(form: PhpForm): string {
  const rest: PhpForm = new Map(form);
  rest.delete('ApiSignature');
  rest.delete('instance');
  return httpBuildQuery(rest);
}
