import type { UserConfig } from 'vite';
import { libraryConfig } from '../../vite.config.ts';

/**
 * One output file per source module. With `"sideEffects": false`, an app's bundler then drops
 * whole modules it does not import (a page with only the button never carries the Paybis
 * code), which a single merged file would defeat: top-level calls such as `forwardRef(…)` keep
 * their module's code alive.
 */
export function preserveModules(config: UserConfig): UserConfig {
  const build = config.build!;
  if (build.lib) build.lib.fileName = (_format, name) => `${name}.js`;
  build.rolldownOptions = {
    ...build.rolldownOptions,
    output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' },
  };
  return config;
}

export default preserveModules(libraryConfig(import.meta.dirname, { entry: 'src/index.ts' }));
