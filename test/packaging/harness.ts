import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** What the packaging and Next.js recipe runs share: checks that count, child servers, npm pack. */

export const root = resolve(import.meta.dirname, '../..');
export const run = promisify(execFile);

export const results = { passed: 0, failed: 0 };

export async function check(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    results.passed++;
    console.log(`✓ ${name}`);
  } catch (err) {
    results.failed++;
    console.log(`✗ ${name}\n  ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const children: ChildProcess[] = [];

/**
 * Starts a server process and resolves with the URL it prints (`listening on …`, the backend's
 * `"url":"…"` log line, or Next's `Local: …`).
 */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  // Its own process group, so that stopping it also stops what npx started.
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let output = '';
  return new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:listening on |"url":"|Local:\s+)(http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

export function stopProcesses(): void {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  }
}

/** `npm pack`s the package in `dir` into `destination`; returns the package name and a `file:` spec. */
export async function pack(dir: string, destination: string): Promise<{ name: string; spec: string }> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: resolve(root, dir),
  });
  const [{ name, filename }] = JSON.parse(stdout) as [{ name: string; filename: string }];
  return { name, spec: `file:${resolve(destination, filename)}` };
}

/** Prints the closing line and sets the exit code. */
export function finish(): void {
  console.log(`\n${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed === 0 ? 0 : 1;
}
