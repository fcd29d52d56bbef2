import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { sourceAliases } from '../../vite.config.ts';
import { configuredSecrets, report, type CapturedResponse } from './support.ts';

/**
 * Part 4, leaks. Runs last: it reads what every other part captured. No configured provider
 * secret (nor any line of the Paybis private key) in the built browser bundles or in any API
 * response; no secret and no issued token (customer and session tokens, links, one-time tokens,
 * Paybis auth keys, API key secrets) in any log line; no stack trace in any response.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const captureDir = inject('captureDir');
const secrets = configuredSecrets();
const temp: string[] = [];

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function readCaptured(prefix: string): string[] {
  if (!existsSync(captureDir)) return [];
  return readdirSync(captureDir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(captureDir, f), 'utf8'));
}

/** Builds what a browser would load: the published libraries (unless already built) and the demo page. */
async function browserBundles(): Promise<{ dirs: string[]; built: string[] }> {
  const dirs: string[] = [];
  const built: string[] = [];
  const quiet = { configFile: false as const, logLevel: 'error' as const };
  // The published browser packages (the sandbox is a test tool that holds its demo secrets on purpose).
  const browserPackages = ['core', 'react', 'elements'].filter((pkg) =>
    existsSync(join(ROOT, 'packages', pkg, 'src')),
  );
  for (const pkg of browserPackages) {
    const dist = join(ROOT, 'packages', pkg, 'dist');
    if (existsSync(dist) && readdirSync(dist).length > 0) {
      dirs.push(dist);
      continue;
    }
    const out = mkdtempSync(join(tmpdir(), `handoff-bundle-${pkg}-`));
    temp.push(out);
    await build({
      ...quiet,
      root: ROOT,
      resolve: { alias: sourceAliases },
      build: {
        outDir: out,
        emptyOutDir: true,
        lib: {
          entry: join(ROOT, 'packages', pkg, 'src', 'index.ts'),
          formats: ['es'],
          fileName: () => 'index.js',
        },
        rolldownOptions: { external: (id: string) => /^react(-dom)?(\/|$)/.test(id) },
      },
    });
    dirs.push(out);
    built.push(pkg);
  }
  // The demo host page, bundled as an app would ship it (React and the components included).
  const demoOut = mkdtempSync(join(tmpdir(), 'handoff-bundle-demo-'));
  temp.push(demoOut);
  await build({
    ...quiet,
    root: join(ROOT, 'test', 'demo'),
    plugins: [react()],
    resolve: { alias: sourceAliases },
    build: { outDir: demoOut, emptyOutDir: true, sourcemap: true },
  });
  dirs.push(demoOut);
  built.push('demo page');
  return { dirs, built };
}

describe('secrets and tokens stay where they belong', () => {
  it('no configured secret in the built browser bundles', { timeout: 240_000 }, async () => {
    const { dirs, built } = await browserBundles();
    const files = dirs.flatMap(filesUnder);
    const hits: string[] = [];
    let bytes = 0;
    let withClient = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      bytes += text.length;
      // The scan covers the code that talks to the backend, not just assets.
      if (text.includes('okepay/login-link')) withClient++;
      for (const s of secrets) if (text.includes(s.value)) hits.push(`${s.name} in ${relative(ROOT, file)}`);
    }
    report('leaks: bundles', {
      dirs: dirs.map((d) => (d.startsWith(ROOT) ? relative(ROOT, d) : 'temp build')).join('+'),
      files: files.length,
      bytes,
      secrets: secrets.length,
      built: built.join('+'),
      hits: hits.length,
    });
    expect(files.length).toBeGreaterThan(3);
    expect(withClient).toBeGreaterThanOrEqual(2);
    expect(dirs.length).toBeGreaterThanOrEqual(4);
    expect(hits).toEqual([]);
  });

  it('no configured secret and no stack trace in any API response of the suite', () => {
    const responses = readCaptured('responses-').flatMap((text) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as CapturedResponse),
    );
    const hits: string[] = [];
    const stackTrace = /\n\s+at .+:\d+:\d+|node_modules\/|\/src\/[\w/-]+\.ts:\d+/;
    for (const r of responses) {
      const text = `${JSON.stringify(r.headers)}\n${r.body}`;
      for (const s of secrets)
        if (text.includes(s.value)) hits.push(`${s.name} in ${r.part} ${r.status} ${r.url}`);
      if (stackTrace.test(r.body))
        hits.push(`stack trace in ${r.part} ${r.status} ${r.url}: ${r.body.slice(0, 200)}`);
    }
    const parts = [...new Set(responses.map((r) => r.part))].sort();
    report('leaks: responses', { responses: responses.length, parts: parts.join('+'), hits: hits.length });
    expect(responses.length).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('no configured secret and no issued token in any log line of the suite', () => {
    const lines = readCaptured('logs-').flatMap((text) => text.split('\n').filter(Boolean));
    // Tokens, and for links the token-bearing parts (query values, last path segment).
    const tokens = new Set<string>();
    for (const text of readCaptured('tokens-')) {
      for (const token of text.split('\n').filter(Boolean)) {
        if (token.length >= 12) tokens.add(token);
        if (/^https?:\/\//.test(token)) {
          const url = new URL(token);
          for (const value of url.searchParams.values()) if (value.length >= 12) tokens.add(value);
          const last = url.pathname.split('/').filter(Boolean).at(-1);
          if (last && last.length >= 16) tokens.add(last);
        }
      }
    }
    const hits: string[] = [];
    for (const line of lines) {
      for (const s of secrets) if (line.includes(s.value)) hits.push(`${s.name} in: ${line.slice(0, 200)}`);
      // Tokens are runs of URL-safe characters; look up every such run of the line.
      for (const run of line.match(/[A-Za-z0-9_~.-]{12,}/g) ?? []) {
        if (tokens.has(run)) hits.push(`issued token in: ${line.slice(0, 200)}`);
      }
    }
    report('leaks: logs', {
      lines: lines.length,
      tokens: tokens.size,
      secrets: secrets.length,
      hits: hits.length,
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(tokens.size).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });
});
