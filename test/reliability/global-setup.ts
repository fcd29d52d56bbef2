import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each part writes the responses, log lines and issued tokens it saw, for the leak scan. */
    captureDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-reliability-'));
  project.provide('captureDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
