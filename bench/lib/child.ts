import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface Child {
  pid: number;
  /** The first stdout line that matched the ready pattern, and its capture groups. */
  match: RegExpExecArray;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
  /** Resident set size in bytes, read from the operating system. */
  rss(): Promise<number>;
  /** Sends a signal and resolves with the first later stdout line that matches. */
  ask(signal: NodeJS.Signals, answer: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  /** A stdout line matching this means the child is ready. */
  ready: RegExp;
  /** Give up (and kill the child) after this long. */
  timeoutMs?: number;
  cwd?: string;
}

/** Reads a process's resident set size (Linux `/proc`, otherwise `ps`). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // Not Linux: fall through to ps.
  }
  const out = await new Promise<string>((resolve, reject) => {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let text = '';
    ps.stdout.on('data', (d: Buffer) => (text += d.toString()));
    ps.on('error', reject);
    ps.on('close', () => resolve(text));
  });
  const kb = Number(out.trim());
  if (!Number.isFinite(kb) || kb <= 0) throw new Error(`Cannot read the memory of process ${pid}.`);
  return kb * 1024;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Children still running, stopped if the bench itself is interrupted. */
const running = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Spawns `node <args>` and waits for its ready line on stdout. The child is killed if it does
 * not get ready in time, and when the bench exits.
 */
export async function spawnNode(options: SpawnOptions): Promise<Child> {
  hookExit();
  const { args, env = {}, ready, timeoutMs = 60_000, cwd } = options;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });

  const lines = createInterface({ input: child.stdout! });
  try {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args.join(' ')} was not ready within ${timeoutMs} ms.\n${stderr}`)),
        timeoutMs,
      );
      lines.on('line', (line) => {
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready.\n${stderr}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const readyMs = performance.now() - started;
    // Keep draining stdout so the child never blocks on a full pipe.
    const listeners = new Set<(line: string) => void>();
    lines.on('line', (line) => {
      for (const listener of listeners) listener(line);
    });
    return {
      pid: child.pid!,
      match,
      readyMs,
      rss: () => rssOf(child.pid!),
      ask(signal, answer, askTimeoutMs = 5000) {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            listeners.delete(listener);
            reject(new Error(`No answer to ${signal} within ${askTimeoutMs} ms.`));
          }, askTimeoutMs);
          const listener = (line: string) => {
            const m = answer.exec(line);
            if (!m) return;
            clearTimeout(timer);
            listeners.delete(listener);
            resolve(m);
          };
          listeners.add(listener);
          child.kill(signal);
        });
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 5000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 5000);
        }
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux `/proc`; null elsewhere). */
export async function cpuMsOf(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}

/** Linux reports CPU times in USER_HZ, 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;
