import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../vite.config.ts';

/** The bench's own unit tests: `npx vitest run -c bench/vitest.config.ts`. */
export default defineConfig({
  root: resolve(import.meta.dirname, '..'),
  resolve: { alias: sourceAliases },
  test: {
    name: 'bench',
    environment: 'node',
    include: ['bench/**/*.test.ts'],
  },
});
