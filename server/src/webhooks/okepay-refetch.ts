import { z } from 'zod';
import type { OkePayConfig } from '../config.ts';
import { ApiError, ProviderError } from '../errors.ts';
import { signOkePay } from '../providers/okepay/client.ts';
import { parseProviderJson, providerRequest } from '../providers/http.ts';
import type { OkePayDelivery } from './okepay.ts';

const PROVIDER = 'OkePay';

const Answer = z.object({ status: z.literal('success'), data: z.array(z.unknown()).min(1) });

/**
 * Fetches a transaction or subscription through the signed API, as Payrexx's own plugins do
 * before trusting a webhook: `GET {apiBase}/v1.0/{Transaction|Subscription}/{id}/` with
 * `instance` and an `ApiSignature` over the other query parameters (none: the empty string).
 * Throws `ProviderError` when the API refuses, fails or answers without the object.
 */
export async function fetchOkePayObject(
  config: OkePayConfig,
  kind: OkePayDelivery['kind'],
  id: number,
  options: { fetch: typeof fetch; timeoutMs: number },
): Promise<unknown> {
  const model = kind === 'transaction' ? 'Transaction' : 'Subscription';
  const url = new URL(`${config.apiBase.replace(/\/+$/, '')}/v1.0/${model}/${id}/`);
  url.searchParams.set('instance', config.instance);
  url.searchParams.set('ApiSignature', signOkePay(config.secret, []));
  const res = await providerRequest({ provider: PROVIDER, ...options }, url.toString(), {
    method: 'GET',
    headers: { accept: 'application/json' },
  });
  if (res.status >= 400 && res.status < 500) {
    // OkePay says no (no such object, or not ours to see): the delivery is not confirmed.
    throw new ApiError(409, 'conflict', `OkePay does not confirm ${kind} ${id} (HTTP ${res.status}).`);
  }
  if (res.status < 200 || res.status >= 300) {
    throw new ProviderError(PROVIDER, `could not confirm the ${kind} (HTTP ${res.status})`);
  }
  const parsed = Answer.safeParse(parseProviderJson(PROVIDER, res.text));
  if (!parsed.success) throw new ProviderError(PROVIDER, `answered without the ${kind}`);
  return parsed.data.data[0];
}
