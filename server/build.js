// Bundles the server into one ESM file for production: it starts several times faster and uses
// less memory than compiling the TypeScript sources with tsx at every start. Dependencies with
// native code or their own loaders stay external and load from node_modules as usual.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/handoff.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: true,
  // Workspace packages (@handoff/core) are bundled in; registry dependencies are not.
  external: Object.keys(pkg.dependencies ?? {}),
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
