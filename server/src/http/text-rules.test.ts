import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { isStorableText, storableTextRule } from './text-rules.ts';

function app() {
  const hono = new Hono();
  hono.use('*', storableTextRule());
  hono.post('/', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));
  hono.onError((err, c) => c.json({ status: err instanceof ApiError ? err.status : 500 }, 200));
  return hono;
}

const post = async (body: string, type: string) => {
  const res = await app().request('/', { method: 'POST', headers: { 'content-type': type }, body });
  return res.headers.get('content-type')?.startsWith('application/json')
    ? ((await res.json()) as { status: number }).status
    : res.status;
};

describe('storableTextRule', () => {
  it('tells storable text from NUL and lone surrogates', () => {
    expect(isStorableText('ada 😀')).toBe(true);
    expect(isStorableText('a\u0000')).toBe(false);
    expect(isStorableText('\ud83d')).toBe(false);
  });

  it('refuses NUL however deep a JSON body nests it', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`;
    expect(await post(deep(3), 'application/json')).toBe(400);
    expect(await post(deep(200), 'application/json')).toBe(400);
    expect(await post(`${'['.repeat(200)}"ok"${']'.repeat(200)}`, 'application/json')).toBe(200);
  });

  it('refuses NUL in form fields, and leaves bytes that are not UTF-8 to the route untouched', async () => {
    expect(await post('a=%00', 'application/x-www-form-urlencoded')).toBe(400);
    expect(await post('a%00=1', 'application/x-www-form-urlencoded')).toBe(400);
    expect(await post('a=%F0%9F%98%80', 'application/x-www-form-urlencoded')).toBe(200);
    const res = await app().request('/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    });
    expect(await res.text()).toBe('3');
  });
});
