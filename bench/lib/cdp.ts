import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CHROMIUM_PATH, CHROMIUM_FLAGS } from '../../test/support/browser.ts';

/**
 * Chromium driven over a bare DevTools connection (`--remote-debugging-pipe`), attached to the
 * host page only. A test driver such as Playwright attaches to every new tab as it is created
 * and holds it until the driver has set it up, which delays the provider page's request by
 * tens of milliseconds in a tab that keeps its opener; a customer's browser has no such pause.
 * This client never attaches to a new tab before it has loaded, so the click-to-page time is the
 * browser's own. It sends real mouse input, so the page sees a trusted click.
 */
export class BareChromium {
  readonly #process: ChildProcess;
  readonly #profile: string;
  readonly #in: Writable;
  #id = 0;
  #buffer = '';
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(process: ChildProcess, profile: string) {
    this.#process = process;
    this.#profile = profile;
    this.#in = process.stdio[3] as Writable;
    const out = process.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.#buffer.slice(0, end)) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        this.#buffer = this.#buffer.slice(end + 1);
        const waiting = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (!waiting) continue;
        this.#pending.delete(message.id!);
        if (message.error) waiting.reject(new Error(message.error.message));
        else waiting.resolve(message.result);
      }
    });
  }

  static launch(): BareChromium {
    const profile = mkdtempSync(join(tmpdir(), 'handoff-bench-chromium-'));
    const child = spawn(
      CHROMIUM_PATH,
      [...CHROMIUM_FLAGS, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new BareChromium(child, profile);
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = ++this.#id;
    this.#in.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    return new Promise<T>((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
  }

  /** Evaluates `expression` in a session's page and returns its JSON value. */
  async evaluate<T>(sessionId: string, expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value: T };
      exceptionDetails?: { text: string };
    }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
    if (exceptionDetails) throw new Error(`evaluate: ${exceptionDetails.text}`);
    return result.value;
  }

  async close(): Promise<void> {
    await Promise.race([this.send('Browser.close').catch(() => {}), sleep(2_000)]);
    if (this.#process.exitCode === null) {
      await Promise.race([new Promise((resolve) => this.#process.once('exit', resolve)), sleep(2_000)]);
      this.#process.kill('SIGKILL');
    }
    rmSync(this.#profile, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it returns a value, for at most `ms`. */
export async function poll<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await sleep(10);
  }
}
