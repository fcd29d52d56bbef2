import { resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';
import { libraryConfig } from '../../vite.config.ts';

const dir = import.meta.dirname;

/**
 * Two builds. The default one is the ESM package (`dist/index.js` + types) with @handoff/core
 * as a dependency. `--mode script` is one self-contained, minified file for a `<script>` tag:
 * it defines the elements and a global `Handoff` (`Handoff.configure(…)`).
 */
export default defineConfig(({ mode }): UserConfig => {
  if (mode !== 'script') {
    return libraryConfig(dir, { entry: 'src/index.ts', external: ['@handoff/core'] });
  }
  return {
    root: dir,
    resolve: { alias: { '@handoff/core': resolve(dir, '../core/src/index.ts') } },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir: resolve(dir, 'dist'),
      emptyOutDir: false,
      sourcemap: true,
      minify: true,
      lib: {
        entry: resolve(dir, 'src/index.ts'),
        formats: ['iife'],
        name: 'Handoff',
        fileName: () => 'handoff-elements.js',
      },
      rolldownOptions: { output: { generatedCode: { symbols: false } } },
    },
  };
});
