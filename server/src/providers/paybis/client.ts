import {
  constants,
  createHash,
  createPrivateKey,
  sign,
  type AsymmetricKeyDetails,
  type KeyObject,
} from 'node:crypto';
import { ConfigError } from '../../config-error.ts';
import type { PaybisConfig } from '../../config.ts';
import { ProviderError } from '../../errors.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { parseProviderJson, providerRequest } from '../http.ts';

const PROVIDER = 'Paybis';

/** The body of `POST /v2/request` for the auth-key (passwordless) flow. */
export interface PaybisApiRequest {
  /** The customer's auth key. */
  partnerUserId: string;
  passwordless: true;
  email?: string;
  locale?: string;
  flow?: 'buyCrypto' | 'sellCrypto';
  cryptoWalletAddress?: { address: string; currencyCode: string };
  currencyCodeFrom?: string;
  currencyCodeTo?: string;
  amount?: string;
}

export interface PaybisApiResponse {
  requestId: string;
  /** Only when Paybis already linked the auth key to an email. */
  oneTimeToken?: string;
}

export interface PaybisClient {
  createRequest(body: PaybisApiRequest): Promise<PaybisApiResponse>;
}

/**
 * Parses the partner's private key and checks it can sign Paybis requests (RSA, at least 2048
 * bits, no rsa-pss parameters that forbid the Paybis signature, and a trial signature). Throws ConfigError naming the
 * variable, so a wrong key stops the app at start.
 */
export function assertRsaPrivateKey(pem: string, name = 'HANDOFF_PAYBIS_PRIVATE_KEY'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError([
      `${name}: not a readable PEM private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")`,
    ]);
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new ConfigError([
      `${name}: Paybis signs with RSA, but this is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key`,
    ]);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    throw new ConfigError([`${name}: the RSA key has ${bits} bits; use at least 2048`]);
  }
  // An rsa-pss key may carry its own restrictions. A forbidden digest or salt makes every
  // signature fail; a different MGF1 digest is used silently, and Paybis would refuse every
  // signature. So the parameters are compared, and a trial signature covers whatever else.
  const conflicts = pssConflicts(key.asymmetricKeyDetails ?? {});
  if (conflicts.length > 0 || !signsOnce(key)) {
    const why = conflicts.length > 0 ? `: it allows ${conflicts.join(', ')}` : '';
    throw new ConfigError([
      `${name}: this ${key.asymmetricKeyType} key cannot make the signature Paybis requires (RSASSA-PSS with SHA-512, MGF1-SHA-512 and a 64-byte salt)${why}; use a plain RSA key`,
    ]);
  }
  return key;
}

/** What an rsa-pss key's own parameters allow that conflicts with the Paybis signature. */
function pssConflicts(details: AsymmetricKeyDetails): string[] {
  const conflicts: string[] = [];
  const { hashAlgorithm, mgf1HashAlgorithm, saltLength } = details;
  if (hashAlgorithm !== undefined && hashAlgorithm !== 'sha512') {
    conflicts.push(`the ${hashAlgorithm} digest only`);
  }
  if (mgf1HashAlgorithm !== undefined && mgf1HashAlgorithm !== 'sha512') {
    conflicts.push(`MGF1 with ${mgf1HashAlgorithm} only`);
  }
  if (saltLength !== undefined && saltLength > 64)
    conflicts.push(`salts of ${saltLength} bytes or more only`);
  return conflicts;
}

function signsOnce(key: KeyObject): boolean {
  try {
    signPaybisBodySync(key, '');
    return true;
  } catch {
    return false;
  }
}

/**
 * `X-Request-Signature` for a request body, as Paybis documents it: base64 RSASSA-PSS with
 * SHA-512, MGF1-SHA-512 and a 64-byte salt, over the ASCII lowercase hex SHA-512 digest of
 * the exact body bytes that are sent.
 *
 * The RSA operation runs on libuv's thread pool (the callback form of `crypto.sign`), so
 * signing does not hold up the event loop and one process can sign on every core.
 */
export function signPaybisBody(privateKey: KeyObject, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha512', paybisSignedBytes(body), pssKey(privateKey), (err, signature) =>
      err ? reject(err) : resolve(signature.toString('base64')),
    );
  });
}

/** The same signature, computed on the calling thread (one core's ceiling, for benchmarks). */
export function signPaybisBodySync(privateKey: KeyObject, body: string): string {
  return sign('sha512', paybisSignedBytes(body), pssKey(privateKey)).toString('base64');
}

function paybisSignedBytes(body: string): Buffer {
  return Buffer.from(createHash('sha512').update(body, 'utf8').digest('hex'), 'ascii');
}

function pssKey(key: KeyObject) {
  return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };
}

// Ids and tokens end up in URLs: printable ASCII without spaces, bounded length.
const OPAQUE = /^[\x21-\x7e]{1,512}$/;

function providerMessage(status: number, json: unknown): string {
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const message = typeof body.message === 'string' ? body.message : undefined;
  const text = message ? message.replace(/\p{Cc}+/gu, ' ').slice(0, 200) : `HTTP ${status}`;
  return `${text} (HTTP ${status})`;
}

/**
 * The server-to-server Paybis client. The private key is parsed once, here: a bad key throws
 * ConfigError when the client is created.
 *
 * @example
 * const paybis = createPaybisClient(config.paybis, { fetch, timeoutMs: 10_000 });
 * const { requestId, oneTimeToken } = await paybis.createRequest({ partnerUserId, passwordless: true });
 */
export function createPaybisClient(
  config: Pick<PaybisConfig, 'apiKey' | 'privateKeyPem' | 'apiUrl'>,
  options: { fetch: typeof fetch; timeoutMs: number; metrics?: Metrics },
): PaybisClient {
  const privateKey = assertRsaPrivateKey(config.privateKeyPem);
  const endpoint = `${config.apiUrl.replace(/\/+$/, '')}/v2/request`;
  const http = {
    provider: PROVIDER,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    metrics: options.metrics,
  };

  return {
    async createRequest(request) {
      const body = JSON.stringify(request);
      const signature = await signPaybisBody(privateKey, body);
      const res = await providerRequest(http, endpoint, {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          Authorization: `Bearer ${config.apiKey}`,
          'X-Request-Signature': signature,
        },
        body,
      });
      if (res.status < 200 || res.status >= 300) {
        let json: unknown;
        try {
          json = JSON.parse(res.text) as unknown;
        } catch {
          json = undefined;
        }
        throw new ProviderError(PROVIDER, providerMessage(res.status, json));
      }
      const json = parseProviderJson(PROVIDER, res.text);
      const data =
        typeof json === 'object' && json !== null && !Array.isArray(json)
          ? (json as Record<string, unknown>)
          : null;
      if (!data || typeof data.requestId !== 'string' || !OPAQUE.test(data.requestId)) {
        throw new ProviderError(PROVIDER, 'answered without a usable requestId');
      }
      const token = data.oneTimeToken;
      if (token !== undefined && token !== null && (typeof token !== 'string' || !OPAQUE.test(token))) {
        throw new ProviderError(PROVIDER, 'answered with an unusable oneTimeToken');
      }
      return typeof token === 'string'
        ? { requestId: data.requestId, oneTimeToken: token }
        : { requestId: data.requestId };
    },
  };
}
