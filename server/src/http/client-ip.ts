import type { Context } from 'hono';
import { isIP } from 'node:net';

/**
 * The caller's IP address. X-Forwarded-For is read only when the operator says a proxy they
 * control sits in front (HANDOFF_TRUST_PROXY=true); then the right-most entry, the one the
 * proxy itself appended, is used, because every entry left of it is the client's to forge.
 */
export function clientIp(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    if (forwarded) {
      const last = forwarded.split(',').at(-1)?.trim() ?? '';
      if (isIP(last)) return last;
    }
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const remote = env?.incoming?.socket?.remoteAddress;
  if (!remote) return null;
  // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d.
  return remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote;
}
