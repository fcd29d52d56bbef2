/**
 * Whether a store error means the database cannot serve now (retry later) rather than that the
 * request is wrong: a full disk, a read-only, locked or unreachable database, a lost connection.
 * These answer 503 with `Retry-After` on both engines.
 */
export function storageUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (SQLITE.test(code)) return true;
      // PostgreSQL SQLSTATE classes 08 (connection), 53 (insufficient resources: disk full, out
      // of memory, too many connections), 57P0x (shutting down, cannot connect now), and 40001 /
      // 40P01 (serialization failure, deadlock), which a retry resolves.
      if (/^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-5]$/.test(code)) return true;
      if (code === '40001' || code === '40P01') return true;
      // 25006: a read-only transaction, as on a standby during a fail-over.
      if (code === '25006') return true;
      if (NETWORK.has(code)) return true;
    }
    // node-postgres reports a dropped connection or a pool wait that timed out by message only.
    if (
      /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
        e.message,
      )
    ) {
      return true;
    }
  }
  return false;
}

const SQLITE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL)(_|$)/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
