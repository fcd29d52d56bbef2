#!/usr/bin/env node
// The sandbox ships as TypeScript sources; tsx compiles them on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
