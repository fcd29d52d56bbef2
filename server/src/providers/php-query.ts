/**
 * PHP `http_build_query` (default RFC 1738 encoding), the string OkePay (Payrexx) signs. The
 * provider rebuilds it from the parameters it receives, so the client must build it exactly the
 * same way: parameters in order, `null` dropped, booleans as 1/0, nested values as `a%5Bb%5D=c`,
 * lists as `a%5B0%5D=x`.
 */

export type PhpQueryValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly PhpQueryValue[]
  | { readonly [key: string]: PhpQueryValue };

/** PHP `urlencode`: everything but `A-Za-z0-9-_.` percent-encoded (upper case), space as `+`. */
export function phpUrlencode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch (cause) {
    throw new TypeError('Cannot encode a string with unpaired surrogates.', { cause });
  }
  return encoded
    .replace(/[!'()*~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function scalar(value: string | number | bigint | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`Cannot put ${value} in a query string.`);
  }
  return String(value);
}

function build(out: string[], name: string, value: PhpQueryValue): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    for (const [key, child] of entries)
      build(out, `${name}%5B${phpUrlencode(key)}%5D`, child as PhpQueryValue);
    return;
  }
  out.push(`${name}=${phpUrlencode(scalar(value))}`);
}

/** PHP `http_build_query($params)`; pass entries to fix the order explicitly. */
export function httpBuildQuery(
  params: Readonly<Record<string, PhpQueryValue>> | ReadonlyArray<readonly [string, PhpQueryValue]>,
): string {
  const entries = Array.isArray(params)
    ? (params as ReadonlyArray<readonly [string, PhpQueryValue]>)
    : Object.entries(params as Record<string, PhpQueryValue>);
  const out: string[] = [];
  for (const [key, value] of entries) build(out, phpUrlencode(key), value);
  return out.join('&');
}
