import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { sourceAliases } from '../../vite.config.ts';

const root = resolve(import.meta.dirname, '../..');

/** The leak scan reads what every other part captured, so it runs last. */
class LeakScanLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isScan = (f: TestSpecification) => f.moduleId.endsWith('leaks.suite.ts');
    return [...sorted.filter((f) => !isScan(f)), ...sorted.filter(isScan)];
  }
}

/**
 * `npm run test:reliability`: fuzzing, provider faults, load, leaks, crash safety, access control
 * and browser failure modes. Files are named `*.suite.ts` so the main `npm test` never picks them up.
 */
export default defineConfig({
  root,
  resolve: { alias: sourceAliases },
  test: {
    name: 'reliability',
    environment: 'node',
    include: ['test/reliability/**/*.suite.ts'],
    globalSetup: ['test/reliability/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 180_000,
    sequence: { sequencer: LeakScanLast },
  },
});
