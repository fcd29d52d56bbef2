// Builds the published package from the TypeScript sources, so that it runs on plain Node with no
// TypeScript loader:
// - dist/index.js, dist/node.js: the library (`createHandoff`, `openStore`, `startServer`, …), one
//   module per entry with shared chunks; every dependency stays external, so an app that mounts
//   the backend shares its own copy of hono and zod with it.
// - dist/handoff.js: the `handoff` command as one file. Pure JavaScript dependencies (hono, zod,
//   kysely) are bundled in: resolving and loading them file by file from node_modules doubled the
//   start-up time. Dependencies with native code (the database drivers) stay external.
// - dist/types/: declarations for the library, emitted by tsc (tsconfig.build.json).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const path = (relative) => new URL(relative, import.meta.url).pathname;

/** Everything the package installs or asks its host for: never bundled into the library. */
const INSTALLED = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
/** Registry dependencies bundled into the command: plain JavaScript, no native code, no loaders of their own. */
const BUNDLED_IN_COMMAND = new Set([
  'hono',
  '@hono/node-server',
  '@hono/zod-openapi',
  'kysely',
  'zod',
  '@handoff/core',
]);

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Core's wire types are types only, apart from one list of constants: take them from source.
  alias: { '@handoff/core': path('../packages/core/src/index.ts') },
};

/** `--command-only`: just dist/handoff.js, for a runtime that needs only the command (the image). */
const commandOnly = process.argv.includes('--command-only');

rmSync(path('./dist'), { recursive: true, force: true });

if (!commandOnly)
  await build({
    ...common,
    entryPoints: { index: path('./src/index.ts'), node: path('./src/node.ts') },
    outdir: path('./dist'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: INSTALLED.filter((name) => name !== '@handoff/core'),
  });

await build({
  ...common,
  entryPoints: [path('./src/main.ts')],
  outfile: path('./dist/handoff.js'),
  sourcemap: true,
  sourcesContent: false,
  minify: true,
  external: INSTALLED.filter((name) => !BUNDLED_IN_COMMAND.has(name)),
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});

if (!commandOnly) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path('./tsconfig.build.json')], { stdio: 'inherit' });
}
