import { isIP } from 'node:net';

/**
 * The abuse-limit identity of a client address. One IPv6 customer usually holds a whole /64 (and
 * may pick any address in it for each request), so IPv6 sources are grouped by their /64 prefix;
 * IPv4 addresses, also when written as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), stand for themselves.
 *
 * @example
 * sourceKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 * sourceKey('::ffff:192.0.2.1')     // '192.0.2.1'
 */
export function sourceKey(address: string): string {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return ip;
  const groups = ipv6Groups(ip);
  // IPv4-mapped (::ffff:0:0/96): the IPv4 address is the client.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
