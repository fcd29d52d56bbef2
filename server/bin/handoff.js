#!/usr/bin/env node
// The installed package runs its built command. In this repository, before `npm run build` (or
// with HANDOFF_FROM_SOURCE=1), the TypeScript sources run through tsx, a development dependency
// of the workspace: the published package needs no TypeScript loader.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/handoff.js', import.meta.url);
const sources = new URL('../src/main.ts', import.meta.url);
if (existsSync(bundle) && process.env.HANDOFF_FROM_SOURCE !== '1') {
  await import(bundle.href);
} else if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  process.stderr.write(
    'handoff: dist/handoff.js is missing; this package was published without its build.\n',
  );
  process.exitCode = 1;
}
