import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { libraryConfig } from '../../vite.config.ts';
import { preserveModules } from '../core/vite.config.ts';

const DIRECTIVE = /^\s*(['"])use client\1;/;

/**
 * The package entry starts with `'use client'` so that React Server Components frameworks treat
 * every export as client code. Rolldown keeps an entry module's directive at the top of its
 * chunk (while warning that it might not); this checks the written file and fails the build if
 * the directive is ever lost, and silences the warning it replaces.
 */
function keepUseClient(): Plugin {
  return {
    name: 'handoff:keep-use-client',
    apply: 'build',
    onLog(_level, log) {
      if (log.code === 'MODULE_LEVEL_DIRECTIVE' && log.message.includes('use client')) return false;
    },
    async writeBundle(options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk' || !file.isEntry) continue;
        const code = await readFile(join(options.dir ?? '', file.fileName), 'utf8');
        if (!DIRECTIVE.test(code)) {
          this.error(`${file.fileName} must start with 'use client'.`);
        }
      }
    },
  };
}

const config = libraryConfig(import.meta.dirname, {
  entry: 'src/index.ts',
  external: ['react', 'react-dom', 'react/jsx-runtime', '@handoff/core'],
});
config.plugins = [...(config.plugins ?? []), keepUseClient()];
preserveModules(config);

export default config;
