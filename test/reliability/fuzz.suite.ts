import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { OKEPAY_DEMO, PAYBIS_DEMO, TWOCHECKOUT_DEMO } from '@handoff/sandbox';
import { startServer } from '@handoff/server/node';
import {
  Capture,
  customerTokensVia,
  inProcess,
  isErrorBody,
  loginVia,
  makeWorld,
  report,
  seedIntegration,
  STORED_CONNECTION_SECRET,
  tryJson,
  type InProcess,
} from './support.ts';

/**
 * Part 1, bad input: property-based fuzzing of every backend route (from its own OpenAPI document,
 * plus login, logout and health) and of the sandbox's provider APIs. Every refused request must be
 * answered 4xx with the documented error body; nothing may answer 5xx, throw, or reject unhandled.
 */

const RUNS_PER_ROUTE = Number(process.env.HANDOFF_FUZZ_RUNS ?? 10_000);
const capture = new Capture('fuzz', inject('captureDir'));

let world: InProcess;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** Credentials of each kind, so a case can present the right one, the wrong kind, or a dead one. */
interface Credentials {
  session: string;
  customer: string;
  /** Expired or revoked tokens of both kinds. */
  dead: string[];
  apiKey: string;
  apiSecret: string;
  /** A customer token that a valid revoke body names (never the one cases authenticate with). */
  victim: string;
}
let creds: Credentials;

type Auth = 'session' | 'customer' | 'none';
interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As the OpenAPI document names it. */
  path: string;
  /** Where to send the cases, when `path` has parameters. */
  url?: string;
  auth: Auth;
  /** A body the route accepts, or undefined when it takes none. */
  valid?: () => Record<string, unknown>;
  bodyOptional?: boolean;
  query?: Record<string, string>;
}

function specs(): RouteSpec[] {
  return [
    { method: 'GET', path: '/healthz', auth: 'none' },
    {
      method: 'POST',
      path: '/auth/login',
      auth: 'none',
      valid: () => ({ apiKey: creds.apiKey, apiSecret: creds.apiSecret }),
    },
    { method: 'POST', path: '/auth/logout', auth: 'session' },
    {
      method: 'POST',
      path: '/v1/customer-sessions',
      auth: 'session',
      valid: () => ({
        customer: {
          id: 'fuzz-customer',
          email: 'fuzz@example.com',
          okepayContactId: 3000,
          twocheckoutSubscriptions: ['SUB-0'],
          paybis: true,
        },
        ttlSeconds: 600,
      }),
    },
    {
      method: 'POST',
      path: '/v1/customer-sessions/revoke',
      auth: 'session',
      valid: () => ({ token: creds.victim }),
    },
    { method: 'GET', path: '/v1/me', auth: 'customer' },
    {
      method: 'POST',
      path: '/v1/okepay/login-link',
      auth: 'customer',
      valid: () => ({}),
      bodyOptional: true,
    },
    {
      method: 'POST',
      path: '/v1/2checkout/sso',
      auth: 'customer',
      valid: () => ({ subscriptionReference: 'SUB-0', accessPage: 'my_products', validityTime: 60 }),
    },
    {
      method: 'POST',
      path: '/v1/paybis/session',
      auth: 'customer',
      bodyOptional: true,
      valid: () => ({
        flow: 'buyCrypto',
        locale: 'en',
        currencyCodeFrom: 'EUR',
        currencyCodeTo: 'BTC',
        amount: '100.00',
        successReturnURL: 'https://shop.example.com/ok',
      }),
    },
    { method: 'GET', path: '/v1/audit', auth: 'session', query: { limit: '20' } },
    {
      method: 'GET',
      path: '/v1/accounts/{accountId}/connections',
      url: '/v1/accounts/fuzz/connections',
      auth: 'session',
    },
    ...(['GET', 'PUT', 'DELETE'] as const).map((method): RouteSpec => ({
      method,
      path: '/v1/accounts/{accountId}/connections/{provider}',
      url: '/v1/accounts/fuzz/connections/okepay',
      auth: 'session',
      ...(method === 'PUT'
        ? {
            valid: () => ({
              instance: 'fuzz',
              secret: STORED_CONNECTION_SECRET,
              apiBase: 'https://api.okepay.info',
            }),
          }
        : {}),
    })),
  ];
}

// ---- Generators ----

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/jsonx',
  'application/json, text/plain',
  'application/xml',
  '*/*',
  'json',
];

/** Header values a Request accepts: visible ASCII and spaces, no leading or trailing space. */
const headerValue = fc
  .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 })
  .filter((s) => s.length > 0);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/);
const hugeString = fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'x'.repeat(n));
const oddString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', 'ＳＵＢ－０', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'null', '__proto__', 'constructor'),
  hugeString,
);
const wrongValue = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

type AuthChoice = 'right' | 'none' | 'wrong-kind' | 'dead' | 'garbage' | 'scheme' | 'duplicate';
type BodyChoice =
  | { kind: 'none' }
  | { kind: 'valid' }
  | { kind: 'drop'; index: number }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'replace'; index: number; value: unknown }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string }
  | { kind: 'truncated'; at: number }
  | { kind: 'form' }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'nested'; depth: number };

interface Case {
  method: { right: true } | { right: false; method: (typeof METHODS)[number] };
  auth: AuthChoice;
  garbageAuth: string;
  contentType: { kind: 'json'; value: string } | { kind: 'other'; value: string } | { kind: 'none' };
  body: BodyChoice;
  headers: [string, string][];
  query: string;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ right: true as const }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...METHODS).map((method) => ({ right: false as const, method })),
    },
  ),
  auth: fc.oneof(
    { weight: 4, arbitrary: fc.constant<AuthChoice>('right') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<AuthChoice>('none', 'wrong-kind', 'dead', 'garbage', 'scheme', 'duplicate'),
    },
  ),
  garbageAuth: headerValue,
  contentType: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(...JSON_TYPES).map((value) => ({ kind: 'json' as const, value })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...OTHER_TYPES).map((value) => ({ kind: 'other' as const, value })),
    },
    { weight: 1, arbitrary: headerValue.map((value) => ({ kind: 'other' as const, value })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  ),
  body: fc.oneof<fc.Arbitrary<BodyChoice>[]>(
    fc.constant({ kind: 'none' }),
    fc.constant({ kind: 'valid' }),
    fc.nat(20).map((index) => ({ kind: 'drop' as const, index })),
    fc.record({ kind: fc.constant('extra' as const), key: fc.string({ maxLength: 20 }), value: wrongValue }),
    fc.record({ kind: fc.constant('replace' as const), index: fc.nat(20), value: wrongValue }),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })),
    fc.oneof(fc.string({ maxLength: 200 }), hugeString).map((text) => ({ kind: 'raw' as const, text })),
    fc.nat(200).map((at) => ({ kind: 'truncated' as const, at })),
    fc.constant({ kind: 'form' as const }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
    fc.integer({ min: 100, max: 20_000 }).map((depth) => ({ kind: 'nested' as const, depth })),
  ),
  headers: fc.array(
    fc.oneof(
      fc.tuple(headerName, headerValue),
      fc.tuple(
        fc.constantFrom('x-forwarded-for', 'x-real-ip', 'forwarded', 'origin', 'cookie', 'accept'),
        headerValue,
      ),
    ),
    { maxLength: 4 },
  ),
  query: fc.oneof(
    fc.constant(''),
    fc.webQueryParameters(),
    fc.constantFrom(
      'limit=0',
      'limit=-1',
      'limit=1e9',
      'limit=abc',
      'before=0',
      'before=x',
      'limit=1&limit=2',
    ),
  ),
});

/**
 * The body text a case sends, and whether it could still be a body the route accepts. A route
 * that takes no body ignores one (as HTTP allows), so any JSON-typed body may pass there.
 */
function bodyOf(spec: RouteSpec, choice: BodyChoice): { body?: BodyInit; maybeValid: boolean } {
  const sent = bodyChoice(spec, choice);
  return spec.valid === undefined ? { ...sent, maybeValid: true } : sent;
}

function bodyChoice(spec: RouteSpec, choice: BodyChoice): { body?: BodyInit; maybeValid: boolean } {
  const valid = spec.valid?.() ?? {};
  const keys = Object.keys(valid);
  switch (choice.kind) {
    case 'none':
      return { maybeValid: spec.valid === undefined || spec.bodyOptional === true };
    case 'valid':
      return { body: JSON.stringify(valid), maybeValid: true };
    case 'drop': {
      const copy: Record<string, unknown> = { ...valid };
      if (keys.length > 0) delete copy[keys[choice.index % keys.length]!];
      return { body: JSON.stringify(copy), maybeValid: true };
    }
    case 'extra':
      return { body: JSON.stringify({ ...valid, [choice.key]: choice.value }), maybeValid: true };
    case 'replace': {
      const copy: Record<string, unknown> = { ...valid };
      if (keys.length > 0) copy[keys[choice.index % keys.length]!] = choice.value;
      return { body: JSON.stringify(copy), maybeValid: true };
    }
    case 'json':
      return { body: JSON.stringify(choice.value), maybeValid: true };
    case 'raw':
      return { body: choice.text, maybeValid: tryJson(choice.text) !== undefined };
    case 'truncated': {
      const text = JSON.stringify(valid);
      const cut = text.slice(0, choice.at % Math.max(text.length, 1));
      return { body: cut, maybeValid: tryJson(cut) !== undefined };
    }
    case 'form':
      return {
        body: new URLSearchParams(Object.entries(valid).map(([k, v]) => [k, String(v)])).toString(),
        maybeValid: false,
      };
    case 'bytes':
      return {
        body: choice.bytes.slice().buffer as ArrayBuffer,
        maybeValid: tryJson(new TextDecoder().decode(choice.bytes)) !== undefined,
      };
    case 'nested':
      return { body: '['.repeat(choice.depth) + ']'.repeat(choice.depth), maybeValid: true };
  }
}

function authHeaders(spec: RouteSpec, c: Case): { values: string[]; right: boolean } {
  const right = spec.auth === 'session' ? creds.session : creds.customer;
  const wrong = spec.auth === 'session' ? creds.customer : creds.session;
  switch (c.auth) {
    case 'right':
      return { values: spec.auth === 'none' ? [] : [`Bearer ${right}`], right: true };
    case 'none':
      return { values: [], right: spec.auth === 'none' };
    case 'wrong-kind':
      return { values: [`Bearer ${wrong}`], right: spec.auth === 'none' };
    case 'dead':
      return {
        values: [`Bearer ${creds.dead[c.garbageAuth.length % creds.dead.length]!}`],
        right: spec.auth === 'none',
      };
    case 'garbage':
      return { values: [c.garbageAuth], right: spec.auth === 'none' };
    case 'scheme':
      return { values: [`Basic ${right}`], right: spec.auth === 'none' };
    case 'duplicate':
      return { values: [`Bearer ${right}`, `Bearer ${wrong}`], right: spec.auth === 'none' };
  }
}

interface Figures {
  tried: number;
  refused4xx: number;
  accepted2xx: number;
  failures: number;
}

/** Sends one case; returns a failure description, or null when the answer is acceptable. */
async function runCase(spec: RouteSpec, c: Case, figures: Figures): Promise<string | null> {
  const method = c.method.right ? spec.method : c.method.method;
  const rightMethod = method === spec.method || (spec.method === 'GET' && method === 'HEAD');
  // Another documented route on the same path (GET, PUT and DELETE of one resource): its own cases judge it.
  const otherRoute =
    !rightMethod &&
    specs().some(
      (s) => s.path === spec.path && (s.method === method || (s.method === 'GET' && method === 'HEAD')),
    );
  const auth = authHeaders(spec, c);
  const headers = new Headers();
  for (const [k, v] of c.headers) headers.append(k, v);
  for (const v of auth.values) headers.append('authorization', v);
  const chosen = bodyOf(spec, c.body);
  const sendsBody = chosen.body !== undefined && method !== 'GET' && method !== 'HEAD';
  const body = sendsBody ? chosen.body : undefined;
  const maybeValid = sendsBody ? chosen.maybeValid : spec.valid === undefined || spec.bodyOptional === true;
  if (c.contentType.kind !== 'none') headers.set('content-type', c.contentType.value);
  const query = new URLSearchParams(spec.query ?? {});
  const url = `${spec.url ?? spec.path}?${query.toString()}${c.query ? `&${c.query}` : ''}`;

  let res: Response;
  try {
    res = await world.app.request(url, { method, headers, ...(sendsBody ? { body } : {}) });
  } catch (err) {
    return `threw ${String(err)}`;
  }
  figures.tried++;
  const text = await res.text();
  capture.record(res.status, `${method} ${spec.path}`, Object.fromEntries(res.headers), text);
  if (res.status >= 500) return `${res.status} ${text.slice(0, 300)}`;

  const preflight = method === 'OPTIONS' && res.status === 204 && spec.path.startsWith('/v1/');
  if (res.status >= 200 && res.status < 300) {
    figures.accepted2xx++;
    if (preflight || otherRoute) return null;
    const contentTypeOk =
      !sendsBody ||
      (c.contentType.kind === 'json' && /^application\/json\s*(;|$)/i.test(c.contentType.value));
    if (!(rightMethod && auth.right && maybeValid && contentTypeOk)) {
      return `accepted a request it must refuse: ${res.status} ${text.slice(0, 200)}`;
    }
    if (method !== 'HEAD' && isErrorBody(tryJson(text)))
      return `2xx with an error body: ${text.slice(0, 200)}`;
    return null;
  }
  if (res.status >= 400 && res.status < 500) {
    figures.refused4xx++;
    if (method === 'HEAD') return null; // no body by definition
    if (!/^application\/json/i.test(res.headers.get('content-type') ?? ''))
      return `${res.status} without a JSON content type: ${text.slice(0, 200)}`;
    if (!isErrorBody(tryJson(text))) return `${res.status} without the error shape: ${text.slice(0, 200)}`;
    return null;
  }
  return `unexpected status ${res.status}`;
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  world = await inProcess({ world: makeWorld(2), logger: capture.logger() });
  const integration = await seedIntegration(world.store, 'integration@example.com', ['admin']);
  // An account whose connections the admin manages (the default account's come from the environment).
  await world.store.accounts.create({ id: 'fuzz', name: 'Fuzz' });
  await world.store.users.addMembership(integration.userId, 'fuzz', ['admin']);
  const session = await loginVia(world.request, '', integration);
  const [customer, victim, revoked] = await customerTokensVia(world.request, '', session, [
    ...makeWorld(1).customers,
    { id: 'victim' },
    { id: 'revoked' },
  ]);
  await world.store.customerSessions.revoke(revoked!);
  const expired = await world.store.customerSessions.create({
    accountId: 'default',
    customer: { id: 'expired' },
    expiresAt: new Date(Date.now() - 1000),
  });
  const deadSession = await world.store.sessions.create(integration.userId, {
    expiresAt: new Date(Date.now() - 1000),
  });
  creds = {
    session,
    customer: customer!,
    victim: victim!,
    dead: [revoked!, expired.token, deadSession.token, `${customer!.slice(0, -1)}x`],
    apiKey: integration.apiKey,
    apiSecret: integration.apiSecret,
  };
  for (const t of [
    session,
    customer,
    victim,
    revoked,
    expired.token,
    deadSession.token,
    integration.apiSecret,
  ])
    capture.token(t);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  capture.flush();
  await world?.close();
});

describe('fuzzing the backend routes', () => {
  it('covers every route in the OpenAPI document', async () => {
    const doc = (await (await world.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const fuzzed = specs().map((s) => `${s.method} ${s.path}`);
    for (const route of documented) expect(fuzzed).toContain(route);
  });

  it.each(specs().map((s) => [`${s.method} ${s.path}`, s] as const))(
    '%s: every bad request is refused 4xx with the error body',
    async (name, spec) => {
      // Each route gets its own live session, as logout and revoke spend theirs.
      creds.session = await loginVia(world.request, '', { apiKey: creds.apiKey, apiSecret: creds.apiSecret });
      capture.token(creds.session);
      const figures: Figures = { tried: 0, refused4xx: 0, accepted2xx: 0, failures: 0 };
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const failure = await runCase(spec, c, figures);
          if (failure) {
            figures.failures++;
            failures.push(failure);
            throw new Error(failure);
          }
        }),
        {
          numRuns: RUNS_PER_ROUTE,
          seed: Number(process.env.HANDOFF_FUZZ_SEED ?? Date.now() % 2 ** 31),
          endOnFailure: true,
        },
      );
      report(`fuzz ${name}`, { ...figures });
      expect(failures).toEqual([]);
      expect(figures.tried).toBeGreaterThanOrEqual(RUNS_PER_ROUTE);
      expect(unhandled).toEqual([]);
    },
  );
});

// ---- The sandbox's provider APIs ----

interface SandboxSpec {
  name: string;
  path: string;
  /** A refusal in this provider's own error shape. */
  isRefusal: (status: number, body: unknown) => boolean;
  validish: () => string;
  contentType: string;
}

const sandboxSpecs: SandboxSpec[] = [
  {
    name: 'OkePay AuthToken',
    path: `/okepay/api/v1.0/AuthToken/?instance=${OKEPAY_DEMO.instance}`,
    contentType: 'application/x-www-form-urlencoded',
    validish: () => new URLSearchParams({ userId: '3000', ApiSignature: 'AAAA' }).toString(),
    isRefusal: (status, body) =>
      status >= 400 &&
      status < 500 &&
      typeof body === 'object' &&
      body !== null &&
      (body as { status?: unknown }).status === 'error' &&
      typeof (body as { message?: unknown }).message === 'string',
  },
  {
    name: '2Checkout JSON-RPC',
    path: '/2checkout/api/rpc/6.0/',
    contentType: 'application/json',
    validish: () =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'login',
        params: [TWOCHECKOUT_DEMO.merchantCode, '2026-01-01 00:00:00', 'bad-hash'],
      }),
    // JSON-RPC reports errors in the body, with 200 or a 4xx.
    isRefusal: (status, body) =>
      status < 500 &&
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { error?: { message?: unknown } }).error?.message === 'string',
  },
  ...['/paybis/api/v2/request', `/paybis/api/v2/public/request?apikey=${PAYBIS_DEMO.partnerId}`].map(
    (path) => ({
      name: `Paybis ${path.split('?')[0]!}`,
      path,
      contentType: 'application/json',
      validish: () => JSON.stringify({ partnerUserId: 'k-1', passwordless: true, locale: 'en' }),
      isRefusal: (status: number, body: unknown) =>
        status >= 400 &&
        status < 500 &&
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { code?: unknown }).code === 'string' &&
        typeof (body as { message?: unknown }).message === 'string',
    }),
  ),
];

const sandboxCaseArb = fc.record({
  method: fc.oneof({ weight: 4, arbitrary: fc.constant('POST') }, fc.constantFrom(...METHODS)),
  body: fc.oneof(
    fc.constant<string | undefined>(undefined),
    fc.constant('validish'),
    fc.string({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    hugeString,
    fc.integer({ min: 100, max: 20_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  ),
  contentType: fc.oneof(fc.constant('right'), fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES), headerValue),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
  authorization: fc.oneof(
    fc.constant(undefined),
    headerValue,
    fc.constant(`Bearer ${PAYBIS_DEMO.apiKey}`),
    fc.constant(`Bearer ${PAYBIS_DEMO.apiKey}, Bearer x`),
  ),
  signature: fc.oneof(fc.constant(undefined), headerValue, fc.base64String({ maxLength: 400 })),
});

describe('fuzzing the sandbox provider APIs', () => {
  it.each(sandboxSpecs.map((s) => [s.name, s] as const))(
    '%s: every bad request gets the provider’s refusal, never a 5xx',
    async (name, spec) => {
      const figures = { tried: 0, refused: 0, failures: 0 };
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(sandboxCaseArb, async (c) => {
          const headers = new Headers();
          for (const [k, v] of c.headers) headers.append(k, v);
          if (c.authorization) headers.append('authorization', c.authorization);
          if (c.signature) headers.set('signature', c.signature);
          headers.set('content-type', c.contentType === 'right' ? spec.contentType : c.contentType);
          const text = c.body === 'validish' ? spec.validish() : c.body;
          const hasBody = text !== undefined && c.method !== 'GET' && c.method !== 'HEAD';
          let failure: string | null = null;
          try {
            const res = await world.sandbox.fetch(
              new Request(`${world.sandbox.baseUrl}${spec.path}`, {
                method: c.method,
                headers,
                ...(hasBody ? { body: text } : {}),
              }),
            );
            figures.tried++;
            const body = await res.text();
            if (res.status >= 500) failure = `${res.status} ${body.slice(0, 200)}`;
            else if (c.method !== 'HEAD' && !spec.isRefusal(res.status, tryJson(body)))
              failure = `not a refusal: ${res.status} ${body.slice(0, 200)}`;
            else figures.refused++;
          } catch (err) {
            failure = `threw ${String(err)}`;
          }
          if (failure) {
            figures.failures++;
            failures.push(failure);
            throw new Error(failure);
          }
        }),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      report(`fuzz sandbox ${name}`, figures);
      expect(failures).toEqual([]);
      expect(unhandled).toEqual([]);
    },
  );
});

// ---- Raw HTTP to the Node server: what `app.request` cannot express ----

const RAW_RUNS = Math.min(RUNS_PER_ROUTE, 2_000);

/** Sends raw bytes on a fresh connection; resolves with the status (0: closed without an answer). */
function rawRequest(port: number, bytes: string): Promise<{ status: number; head: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const done = () => {
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : 0, head: received.slice(0, 300) });
    };
    socket.setTimeout(5_000, done);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One answer is all a case needs.
      if (/\r\n\r\n/.test(received)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.end(bytes, 'latin1'));
  });
}

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
const rawArb = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS') },
    { weight: 1, arbitrary: fc.oneof(token, fc.constant('G\u00e9T')) },
  ),
  path: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        '/v1/okepay/login-link',
        '/v1/paybis/session',
        '/auth/login',
        '/healthz',
        '/v1/me',
      ),
    },
    { weight: 1, arbitrary: fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('*', '//', '/%', '/%00', '/..%2f..%2f', 'http://evil.example/healthz'),
    },
    { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 40_000 }).map((n) => `/${'a'.repeat(n)}`) },
  ),
  version: fc.oneof(
    { weight: 8, arbitrary: fc.constant('HTTP/1.1') },
    { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'HTTP/1.1 x') },
  ),
  headers: fc.array(
    fc.oneof(
      fc.tuple(token, headerValue).map(([k, v]) => `${k}: ${v}`),
      fc.constantFrom(
        'Content-Length: 5',
        'Content-Length: -1',
        'Content-Length: 99999999999',
        'Content-Length: 2, 3',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Transfer-Encoding: xchunked',
        'Content-Type: application/json',
        'Authorization: Bearer hc_x',
        'Authorization: Bearer hc_x\r\nAuthorization: Bearer hs_y',
        'No-Colon-Header',
        ' Leading-Space: x',
        'Bad\u0001Name: x',
        'X-Bad-Value: a\u0000b',
        'Host:',
        'Expect: 100-continue',
      ),
      fc.integer({ min: 9_000, max: 80_000 }).map((n) => `X-Huge: ${'h'.repeat(n)}`),
    ),
    { maxLength: 3 },
  ),
  body: fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '{}',
      '5\r\n{"a":\r\n0\r\n\r\n',
      'zz\r\nxx\r\n',
      '0\r\n\r\n',
      '{"apiKey":"hk_x","apiSecret":"y"}',
    ),
  ),
  host: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

describe('fuzzing the Node server with raw HTTP', () => {
  it('malformed requests get a 4xx or a closed connection, never a 5xx, and the server keeps serving', async () => {
    const server = await startServer(
      { ...world.config, host: '127.0.0.1', port: 0 },
      {
        store: world.store,
        logger: capture.logger(),
        fetch: (input, init) => world.sandbox.fetch(new Request(input, init)),
      },
    );
    const figures = { tried: 0, refused4xx: 0, closed: 0, answered2xx3xx: 0, failures: 0 };
    const failures: string[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(rawArb, async (c) => {
          const lines = [
            `${c.method} ${c.path} ${c.version}`,
            ...(c.host ? ['Host: 127.0.0.1'] : []),
            ...c.headers,
          ];
          const { status, head } = await rawRequest(server.port, `${lines.join('\r\n')}\r\n\r\n${c.body}`);
          figures.tried++;
          if (status >= 500) {
            figures.failures++;
            failures.push(head);
            throw new Error(`5xx for a raw request: ${head}`);
          }
          if (status === 0) figures.closed++;
          else if (status >= 400) figures.refused4xx++;
          else figures.answered2xx3xx++;
        }),
        { numRuns: RAW_RUNS, endOnFailure: true },
      );
      const health = await fetch(`${server.url}/healthz`);
      report('fuzz raw HTTP', figures);
      expect(health.status).toBe(200);
      expect(failures).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
