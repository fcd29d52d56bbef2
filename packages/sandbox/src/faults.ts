import { json, SandboxConnectionReset, sleep } from './http.ts';
import type { FaultConfig } from './types.ts';

export type ProviderId = 'okepay' | '2checkout' | 'paybis';
export const PROVIDER_IDS: readonly ProviderId[] = ['okepay', '2checkout', 'paybis'];

/** The longest latency a configuration may ask for: long enough for any timeout test, short enough to not hang a run. */
export const MAX_LATENCY_MS = 120_000;

export class FaultConfigError extends Error {
  override name = 'FaultConfigError';
}

const KEYS = new Set(['latencyMs', 'errorRate', 'errorStatus', 'malformedRate', 'resetRate', 'providers']);

/** Checks a fault configuration from an untrusted source (the control endpoint, the CLI); returns a clean copy. */
export function parseFaultConfig(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultConfigError('The fault configuration must be a JSON object.');
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key))
      throw new FaultConfigError(`Unknown fault setting "${key}"; known: ${[...KEYS].join(', ')}.`);
  }
  const out: FaultConfig = {};
  const { latencyMs, errorRate, errorStatus, malformedRate, resetRate, providers } = record;
  if (latencyMs !== undefined) {
    if (
      typeof latencyMs !== 'number' ||
      !Number.isFinite(latencyMs) ||
      latencyMs < 0 ||
      latencyMs > MAX_LATENCY_MS
    ) {
      throw new FaultConfigError(`latencyMs must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}.`);
    }
    out.latencyMs = latencyMs;
  }
  const rate = (name: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new FaultConfigError(`${name} must be a share from 0 to 1.`);
    }
    return value;
  };
  const e = rate('errorRate', errorRate);
  if (e !== undefined) out.errorRate = e;
  const m = rate('malformedRate', malformedRate);
  if (m !== undefined) out.malformedRate = m;
  const r = rate('resetRate', resetRate);
  if (r !== undefined) out.resetRate = r;
  if (errorStatus !== undefined) {
    if (
      typeof errorStatus !== 'number' ||
      !Number.isInteger(errorStatus) ||
      errorStatus < 400 ||
      errorStatus > 599
    ) {
      throw new FaultConfigError('errorStatus must be an HTTP error status from 400 to 599.');
    }
    out.errorStatus = errorStatus;
  }
  if (providers !== undefined) {
    if (
      !Array.isArray(providers) ||
      !providers.every((p): p is ProviderId => PROVIDER_IDS.includes(p as ProviderId))
    ) {
      throw new FaultConfigError(`providers must be a list of: ${PROVIDER_IDS.join(', ')}.`);
    }
    out.providers = [...providers];
  }
  return out;
}

/** The body each provider sends when it fails, so clients exercise their real error parsing. */
async function providerErrorResponse(
  provider: ProviderId,
  request: Request,
  status: number,
): Promise<Response> {
  const message = `Injected fault: the ${provider} sandbox answered ${status}.`;
  switch (provider) {
    case 'okepay':
      return json({ status: 'error', message }, status);
    case '2checkout': {
      let id: unknown = null;
      try {
        const body = (await request.clone().json()) as { id?: unknown };
        if (typeof body.id === 'number' || typeof body.id === 'string') id = body.id;
      } catch {
        // Not JSON-RPC: answer with a null id, as JSON-RPC does for unparseable requests.
      }
      return json({ jsonrpc: '2.0', id, error: { code: -32000, message } }, status);
    }
    case 'paybis':
      return json({ code: 'INTERNAL_ERROR', message }, status);
  }
}

/**
 * Applies the configured faults to one provider API request: waits the latency (giving up if the
 * caller aborts), then maybe drops the connection (throws SandboxConnectionReset), answers with
 * an error, or with a body that is not JSON. Returns null when the request should be served normally.
 */
export async function injectFault(
  provider: ProviderId,
  request: Request,
  faults: FaultConfig,
  random: () => number,
): Promise<Response | null> {
  if (faults.providers && !faults.providers.includes(provider)) return null;
  if (faults.latencyMs && faults.latencyMs > 0) await sleep(faults.latencyMs, request.signal);
  if (faults.resetRate && random() < faults.resetRate) throw new SandboxConnectionReset();
  if (faults.errorRate && random() < faults.errorRate) {
    return providerErrorResponse(provider, request, faults.errorStatus ?? 500);
  }
  if (faults.malformedRate && random() < faults.malformedRate) {
    return new Response('{"data":[{"trunc', {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
  }
  return null;
}
