import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('./tsconfig.jsx.json', import.meta.url));

describe("the custom elements' JSX typings", () => {
  // React 19 checks the same file in the workspace's typecheck; this is the React 18 types' turn.
  it('typecheck test/jsx/elements-jsx.tsx under React 18 types', async () => {
    const run = promisify(execFile)(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    await expect(run).resolves.toMatchObject({ stdout: '' });
  }, 60_000);
});
