import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  verify,
  type RSAPSSKeyPairKeyObjectOptions,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSandbox, PAYBIS_DEMO } from '@handoff/sandbox';
import { ConfigError, type PaybisConfig } from '../../config.ts';
import { ProviderError, ProviderTimeoutError } from '../../errors.ts';
import { assertRsaPrivateKey, createPaybisClient, signPaybisBody, signPaybisBodySync } from './client.ts';

const API_URL = 'http://sandbox.test/paybis/api';
const BODY = JSON.stringify({ partnerUserId: 'k-1', passwordless: true, email: 'ann@example.com' });

const config: PaybisConfig = {
  apiKey: PAYBIS_DEMO.apiKey,
  partnerId: PAYBIS_DEMO.partnerId,
  privateKeyPem: PAYBIS_DEMO.privateKeyPem,
  apiUrl: API_URL,
  widgetUrl: 'http://sandbox.test/paybis/widget',
  allowedReturnOrigins: [],
  allowCryptoWalletAddress: false,
};

/** The Paybis sandbox as the client's fetch, like the real provider behind a URL. */
function sandboxFetch(linkedAuthKeys: Record<string, string> = {}): typeof fetch {
  const sandbox = createSandbox({
    baseUrl: 'http://sandbox.test',
    paybis: { ...PAYBIS_DEMO, linkedAuthKeys },
  });
  return async (input, init) => sandbox.fetch(new Request(input, init));
}

/** Sends a body with a given signature straight to the sandbox API, bypassing the client. */
async function sandboxStatus(body: string, signature: string): Promise<number> {
  const res = await sandboxFetch()(`${API_URL}/v2/request`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${PAYBIS_DEMO.apiKey}`,
      'content-type': 'application/json',
      'x-request-signature': signature,
    },
    body,
  });
  return res.status;
}

const key = createPrivateKey(PAYBIS_DEMO.privateKeyPem);

/** A 2048-bit rsa-pss key pair that carries its own parameters. */
function pssKeyPair(params: { hashAlgorithm?: string; mgf1HashAlgorithm?: string; saltLength?: number }) {
  // Node takes saltLength as a number; its type declarations say string.
  const options = { modulusLength: 2048, ...params } as unknown as RSAPSSKeyPairKeyObjectOptions;
  return generateKeyPairSync('rsa-pss', options);
}

/** The ConfigError `assertRsaPrivateKey` refuses `pem` with; fails the test when it accepts it. */
function refusal(pem: string): ConfigError {
  try {
    assertRsaPrivateKey(pem);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('assertRsaPrivateKey accepted the key.');
}

describe('signPaybisBody', () => {
  const body = BODY;

  it('verifies with node:crypto using the documented parameters, and fails for a tampered body', async () => {
    const signature = Buffer.from(await signPaybisBody(key, body), 'base64');
    expect(signature).toHaveLength(256);
    const check = (b: string) =>
      verify(
        'sha512',
        Buffer.from(createHash('sha512').update(b).digest('hex'), 'ascii'),
        { key: PAYBIS_DEMO.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
        signature,
      );
    expect(check(body)).toBe(true);
    expect(check(body.replace('k-1', 'k-2'))).toBe(false);
  });

  it('is accepted by the sandbox (Web Crypto verifier), and refused there for a tampered body', async () => {
    const signature = await signPaybisBody(key, BODY);
    expect(await sandboxStatus(BODY, signature)).toBe(200);
    expect(await sandboxStatus(BODY.replace('k-1', 'k-2'), signature)).toBe(403);
  });

  it('signs the hex digest of the exact UTF-8 bytes', async () => {
    const unicode = JSON.stringify({ partnerUserId: 'clé-ü', passwordless: true });
    expect(await sandboxStatus(unicode, await signPaybisBody(key, unicode))).toBe(200);
  });

  it('signs the same way on the calling thread (the benchmark ceiling)', async () => {
    expect(await sandboxStatus(BODY, signPaybisBodySync(key, BODY))).toBe(200);
  });
});

describe('assertRsaPrivateKey', () => {
  it('accepts PKCS#8 and PKCS#1 RSA keys', () => {
    expect(assertRsaPrivateKey(PAYBIS_DEMO.privateKeyPem).asymmetricKeyType).toBe('rsa');
    const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(assertRsaPrivateKey(pkcs1).asymmetricKeyType).toBe('rsa');
  });

  it('refuses text that is not a key, a non-RSA key, a public key and a short key with ConfigError', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    for (const [pem, pattern] of [
      ['not a key', /not a readable PEM private key/],
      [ec as string, /this is a ec key/],
      [PAYBIS_DEMO.publicKeyPem, /not a readable PEM private key/],
      [short as string, /1024 bits/],
    ] as const) {
      const error = refusal(pem);
      expect(error.message).toMatch(/HANDOFF_PAYBIS_PRIVATE_KEY/);
      expect(error.message).toMatch(pattern);
      // The key material itself never ends up in the message (it may be logged at start).
      if (pem.length > 80) expect(error.message).not.toContain(pem.slice(40, 80));
    }
  });

  it('accepts an rsa-pss key whose own parameters allow the Paybis signature', async () => {
    for (const options of [
      {},
      { hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 64 },
      { hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 32 },
    ]) {
      const pss = pssKeyPair(options);
      const pem = pss.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const accepted = assertRsaPrivateKey(pem);
      expect(accepted.asymmetricKeyType).toBe('rsa-pss');
      const signature = await signPaybisBody(accepted, BODY);
      expect(
        verify(
          'sha512',
          Buffer.from(createHash('sha512').update(BODY).digest('hex'), 'ascii'),
          { key: pss.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
          Buffer.from(signature, 'base64'),
        ),
      ).toBe(true);
    }
  });

  it('refuses an rsa-pss key whose own parameters forbid the Paybis signature', () => {
    for (const [options, reason] of [
      [{ hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 }, /the sha256 digest only/],
      // Signing would succeed here, with MGF1-SHA-256: a signature Paybis refuses.
      [{ hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha256', saltLength: 64 }, /MGF1 with sha256 only/],
      [{ hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 65 }, /salts of 65 bytes/],
    ] as const) {
      const pem = pssKeyPair(options).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const error = refusal(pem);
      expect(error.problems).toEqual([
        expect.stringMatching(
          /^HANDOFF_PAYBIS_PRIVATE_KEY: this rsa-pss key cannot make the signature Paybis requires .*: it allows /,
        ),
      ]);
      expect(error.message).toMatch(reason);
    }
  });

  it('is checked when the client is created', () => {
    expect(() =>
      createPaybisClient({ ...config, privateKeyPem: 'nope' }, { fetch: sandboxFetch(), timeoutMs: 1000 }),
    ).toThrow(ConfigError);
  });
});

describe('createPaybisClient', () => {
  it('creates a request at the sandbox: requestId only for a new auth key', async () => {
    const client = createPaybisClient(config, { fetch: sandboxFetch(), timeoutMs: 5000 });
    const res = await client.createRequest({
      partnerUserId: 'new-key',
      passwordless: true,
      email: 'ann@example.com',
    });
    expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res).not.toHaveProperty('oneTimeToken');
  });

  it('returns the oneTimeToken for a linked auth key', async () => {
    const client = createPaybisClient(config, {
      fetch: sandboxFetch({ 'linked-key': 'bob@example.com' }),
      timeoutMs: 5000,
    });
    const res = await client.createRequest({
      partnerUserId: 'linked-key',
      passwordless: true,
      flow: 'buyCrypto',
    });
    expect(res.oneTimeToken).toEqual(expect.any(String));
  });

  it('sends POST /v2/request with Bearer key, JSON and a signature over the exact body sent', async () => {
    let seen: Request | undefined;
    const inner = sandboxFetch();
    const client = createPaybisClient(config, {
      fetch: async (input, init) => {
        seen = new Request(input, init);
        return inner(input, init);
      },
      timeoutMs: 5000,
    });
    await client.createRequest({ partnerUserId: 'k', passwordless: true });
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe(`${API_URL}/v2/request`);
    expect(seen?.headers.get('authorization')).toBe(`Bearer ${PAYBIS_DEMO.apiKey}`);
    expect(seen?.headers.get('content-type')).toBe('application/json');
    const body = await seen!.text();
    expect(JSON.parse(body)).toEqual({ partnerUserId: 'k', passwordless: true });
    expect(await sandboxStatus(body, seen!.headers.get('x-request-signature')!)).toBe(200);
  });

  it('maps a refused signature (a key Paybis does not know) to a 502 ProviderError with Paybis’ message', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const client = createPaybisClient(
      { ...config, privateKeyPem: other },
      { fetch: sandboxFetch(), timeoutMs: 5000 },
    );
    const error = await client
      .createRequest({ partnerUserId: 'k', passwordless: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(502);
    expect((error as ProviderError).message).toMatch(/signature verification failed.*HTTP 403/);
  });

  it('maps a wrong API key to ProviderError without echoing the key', async () => {
    const client = createPaybisClient(
      { ...config, apiKey: 'wrong-key-123456' },
      { fetch: sandboxFetch(), timeoutMs: 5000 },
    );
    const error = await client
      .createRequest({ partnerUserId: 'k', passwordless: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/Invalid API key/);
    expect((error as Error).message).not.toContain('wrong-key-123456');
  });

  it('refuses unusable success bodies', async () => {
    for (const text of [
      'not json',
      '[]',
      '{}',
      '{"requestId":""}',
      '{"requestId":"a b"}',
      '{"requestId":"r","oneTimeToken":5}',
    ]) {
      const client = createPaybisClient(config, {
        fetch: async () => new Response(text, { status: 200 }),
        timeoutMs: 5000,
      });
      const error = await client
        .createRequest({ partnerUserId: 'k', passwordless: true })
        .catch((e: unknown) => e);
      expect(error, text).toBeInstanceOf(ProviderError);
    }
  });

  it('maps an error status with a non-JSON body, a network failure and a timeout', async () => {
    const status = createPaybisClient(config, {
      fetch: async () => new Response('<html>bad gateway</html>', { status: 500 }),
      timeoutMs: 5000,
    });
    await expect(status.createRequest({ partnerUserId: 'k', passwordless: true })).rejects.toThrow(
      /HTTP 500/,
    );

    const down = createPaybisClient(config, {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
      timeoutMs: 5000,
    });
    await expect(down.createRequest({ partnerUserId: 'k', passwordless: true })).rejects.toThrow(
      /could not be reached/,
    );

    const slow = createPaybisClient(config, {
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
      timeoutMs: 20,
    });
    const error = await slow
      .createRequest({ partnerUserId: 'k', passwordless: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
  });
});
