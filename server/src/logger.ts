/**
 * A small structured logger: one JSON object per line. Callers pass fields, never secrets or
 * tokens; `redact` is a second line of defence for known secret values.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Adds values that must never appear in a line (secrets of connections read from the database). */
  redact?(values: readonly string[]): void;
}

const order: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface LoggerOptions {
  level?: LogLevel | 'silent';
  /** Where lines go; defaults to stderr. */
  write?: (line: string) => void;
  /** Values that must never appear in a line (provider secrets); replaced by `[redacted]`. */
  secrets?: readonly string[];
}

export function createLogger({
  level = 'info',
  write = (line) => process.stderr.write(`${line}\n`),
  secrets = [],
}: LoggerOptions = {}): Logger {
  const min = order[level];
  // Lines are JSON, where a secret with a newline, quote or backslash (a PEM key) appears escaped.
  // Longest first, so a secret that contains another is redacted whole.
  const known = new Set<string>();
  let guarded: string[] = [];
  const redact = (values: readonly string[]) => {
    const before = known.size;
    for (const value of values) if (value.length >= 6) known.add(JSON.stringify(value).slice(1, -1));
    if (known.size !== before) guarded = [...known].sort((a, b) => b.length - a.length);
  };
  redact(secrets);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    let line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields });
    for (const s of guarded) if (line.includes(s)) line = line.split(s).join('[redacted]');
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    redact,
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
