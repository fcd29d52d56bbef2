import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { main, parseCliArgs, UsageError } from './cli.ts';
import { createSandbox, OKEPAY_DEMO, sandboxEnv } from './index.ts';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('handoff-sandbox CLI', () => {
  it('parses port, host and latency with defaults', () => {
    expect(parseCliArgs([])).toEqual({ port: 8790, host: '127.0.0.1', latencyMs: 0, help: false });
    expect(parseCliArgs(['--port', '0', '--host', '0.0.0.0', '--latency', '250'])).toEqual({
      port: 0,
      host: '0.0.0.0',
      latencyMs: 250,
      help: false,
    });
  });

  it('refuses bad arguments with a usage error', () => {
    expect(() => parseCliArgs(['--port', '65536'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--port', '80a'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--latency', '-5'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--bogus'])).toThrow(UsageError);
    expect(() => parseCliArgs(['extra'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--host', 'a b'])).toThrow(/--host/);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const out = sink();
    const err = sink();
    expect(await main(['--port', 'x'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain('--port must be a whole number');
    expect(err.text()).toContain('Usage: handoff-sandbox');
    expect(out.text()).toBe('');
  });

  it('prints the backend environment, PEM newlines escaped, and keeps serving', async () => {
    const out = sink();
    const server = await main(['--port', '0'], out.stream, sink().stream);
    if (typeof server === 'number') throw new Error(`exited with ${server}`);
    onTestFinished(() => server.close());
    const text = out.text();
    const url = /^Sandbox: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(text)?.[1];
    expect(url).toBeDefined();
    expect(text).toContain(`export HANDOFF_OKEPAY_API_BASE=${url}okepay/api`);
    expect(text).toContain(`"apiBase":"${url}merchants/second/okepay/api"`);
    expect(text).toContain('npx handoff connections set --account ACCOUNT --provider paybis');
    expect(text).toMatch(
      /^export HANDOFF_PAYBIS_PRIVATE_KEY='-----BEGIN [A-Z ]*PRIVATE KEY-----\\n[^\n]+'$/m,
    );
    expect((await fetch(url!)).status).toBe(200);
  });

  it('describes the backend environment for a sandbox', () => {
    const sandbox = createSandbox({ baseUrl: 'http://127.0.0.1:8790' });
    const env = sandboxEnv(sandbox);
    expect(env.HANDOFF_OKEPAY_INSTANCE).toBe(OKEPAY_DEMO.instance);
    expect(env.HANDOFF_OKEPAY_API_BASE).toBe('http://127.0.0.1:8790/okepay/api');
    expect(env.HANDOFF_2CO_API_URL).toBe('http://127.0.0.1:8790/2checkout/api/rpc/6.0/');
    expect(env.HANDOFF_PAYBIS_WIDGET_URL).toBe('http://127.0.0.1:8790/paybis/widget');
    expect(env.HANDOFF_PAYBIS_PRIVATE_KEY).toMatch(/^-----BEGIN [A-Z ]*PRIVATE KEY-----\n/);
  });
});
