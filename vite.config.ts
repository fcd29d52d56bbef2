import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import dts from 'vite-plugin-dts';
import type { UserConfig } from 'vite';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

/** Source aliases: stories, tests and the demo use package sources directly, no build needed. */
export const sourceAliases = {
  '@handoff/core': resolve(root, 'packages/core/src/index.ts'),
  '@handoff/react': resolve(root, 'packages/react/src/index.ts'),
  '@handoff/elements': resolve(root, 'packages/elements/src/index.ts'),
  '@handoff/node': resolve(root, 'packages/node/src/index.ts'),
  '@handoff/sandbox/msw/browser': resolve(root, 'packages/sandbox/src/msw-browser.ts'),
  '@handoff/sandbox/msw/node': resolve(root, 'packages/sandbox/src/msw-node.ts'),
  '@handoff/sandbox/node': resolve(root, 'packages/sandbox/src/node.ts'),
  '@handoff/sandbox': resolve(root, 'packages/sandbox/src/index.ts'),
  '@handoff/server/node': resolve(root, 'server/src/node.ts'),
  '@handoff/server': resolve(root, 'server/src/index.ts'),
};

interface LibraryOptions {
  entry: string;
  external?: string[];
}

/** The library build shared by @handoff/core and @handoff/react: ESM + .d.ts, nothing bundled that a peer provides. */
export function libraryConfig(dir: string, { entry, external = [] }: LibraryOptions): UserConfig {
  return {
    root: dir,
    plugins: [
      dts({
        tsconfigPath: resolve(dir, 'tsconfig.build.json'),
        entryRoot: resolve(dir, 'src'),
      }),
    ],
    build: {
      outDir: resolve(dir, 'dist'),
      emptyOutDir: true,
      sourcemap: true,
      minify: false,
      lib: {
        entry: resolve(dir, entry),
        formats: ['es'],
        fileName: () => 'index.js',
      },
      rolldownOptions: {
        external: (id: string) => external.some((e) => id === e || id.startsWith(`${e}/`)),
        output: { preserveModules: false },
      },
    },
  };
}

export default defineConfig({
  plugins: [react()],
  resolve: { alias: sourceAliases },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/core/src/**/*.test.ts',
            'packages/node/src/**/*.test.ts',
            'packages/sandbox/src/**/*.test.ts',
            'server/src/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: ['**/*.dom.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: [
            'packages/react/src/**/*.test.tsx',
            'packages/core/src/**/*.dom.test.ts',
            'packages/elements/src/**/*.test.ts',
          ],
          setupFiles: ['test/setup-dom.ts'],
        },
      },
      {
        // The React components again on React 18 (the workspace has 19). React 18 lives in its
        // own install (test/react18, installed with the workspace by `postinstall`), because npm
        // cannot hold both versions as peers in one tree.
        extends: true,
        resolve: {
          alias: {
            react: resolve(root, 'test/react18/node_modules/react'),
            'react-dom': resolve(root, 'test/react18/node_modules/react-dom'),
            // Its ES module build, whose imports of React go through the aliases above.
            '@testing-library/react': resolve(
              root,
              'node_modules/@testing-library/react/dist/@testing-library/react.esm.js',
            ),
          },
        },
        test: {
          name: 'react18',
          environment: 'jsdom',
          include: ['packages/react/src/**/*.test.tsx', 'test/react18/*.test.tsx'],
          setupFiles: ['test/setup-dom.ts'],
          // Processed by Vite, so that its own imports of React resolve to React 18 too.
          server: { deps: { inline: [/@testing-library[\\/]react/] } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
