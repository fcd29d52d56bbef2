import { runLoad } from '../lib/load.ts';
import {
  backendEnv,
  buildBackendBundle,
  createBenchDatabase,
  customerToken,
  routeSpec,
  startBackendProcess,
  startSandboxProcess,
  MEMORY_ANSWER,
  ROUTES,
  type BackendMode,
} from '../lib/stack.ts';
import { median, round } from '../lib/stats.ts';

export interface MemoryOptions {
  startupRounds: number;
  /** Load per route while sampling memory. */
  loadMs: number;
  concurrency: number;
  log: (line: string) => void;
}

export interface ModeResult {
  /** Spawn to the first 200 from /healthz: median and every round. */
  startupMs: number;
  startupRoundsMs: number[];
  /** Resident memory a second after start-up, idle. */
  idleRssBytes: number;
  /** Peak resident memory while the three routes are under load. */
  loadRssBytes: number;
  /** `process.memoryUsage()` inside the backend, idle and right after the load. */
  idleBreakdown: MemoryBreakdown;
  loadBreakdown: MemoryBreakdown;
}

export interface MemoryBreakdown {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** The same right after a full garbage collection: what the backend really keeps. */
  afterGc: Omit<MemoryBreakdown, 'afterGc'> | null;
}

export interface MemoryResult {
  /** `tsx`: `handoff serve` as shipped (TypeScript sources through tsx); `bundle`: one pre-bundled file. */
  modes: Record<BackendMode, ModeResult>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Part 5: start-up time (spawn to the first served request) and resident memory, idle and under
 * the load of part 1, for the backend as shipped and pre-bundled.
 */
export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const { log } = options;
  log('memory: bundling the backend…');
  await buildBackendBundle();
  const db = await createBenchDatabase();
  const sandbox = await startSandboxProcess();
  try {
    const env = backendEnv(sandbox, db);
    const modes = {} as Record<BackendMode, ModeResult>;
    for (const mode of ['tsx', 'bundle'] as const) {
      const rounds: number[] = [];
      for (let i = 0; i < options.startupRounds; i++) {
        const started = performance.now();
        const backend = await startBackendProcess(env, mode);
        try {
          const res = await fetch(`${backend.url}/healthz`);
          if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
          await res.arrayBuffer();
          rounds.push(performance.now() - started);
        } finally {
          await backend.stop();
        }
      }

      const backend = await startBackendProcess(env, mode, { memoryProbe: true });
      const breakdown = async () =>
        JSON.parse((await backend.ask('SIGUSR2', MEMORY_ANSWER))[1]!) as MemoryBreakdown;
      try {
        await (await fetch(`${backend.url}/healthz`)).arrayBuffer();
        await sleep(1000);
        const idle = await backend.rss();
        const idleBreakdown = await breakdown();
        const token = await customerToken(backend.url, db);
        let peak = idle;
        const sampler = setInterval(() => {
          backend.rss().then(
            (rss) => (peak = Math.max(peak, rss)),
            () => undefined,
          );
        }, 100);
        for (const r of ROUTES) {
          const result = await runLoad(routeSpec(backend.url, r, token), {
            concurrency: options.concurrency,
            durationMs: options.loadMs,
            maxRequests: 1_000_000,
          });
          if (result.errors > 0)
            log(`memory: ${mode} ${r}: ${result.errors} errors, first: ${result.firstError}`);
        }
        clearInterval(sampler);
        const loadBreakdown = await breakdown();
        peak = Math.max(peak, await backend.rss(), loadBreakdown.rss);
        modes[mode] = {
          startupMs: round(median(rounds), 1),
          startupRoundsMs: rounds.map((r) => round(r, 1)),
          idleRssBytes: idle,
          loadRssBytes: peak,
          idleBreakdown,
          loadBreakdown,
        };
        log(
          `memory: ${mode}: start-up ${median(rounds).toFixed(0)} ms, RSS idle ${(idle / 2 ** 20).toFixed(1)} MiB, ` +
            `under load ${(peak / 2 ** 20).toFixed(1)} MiB (after it: heap ${(loadBreakdown.heapTotal / 2 ** 20).toFixed(1)} MiB, ` +
            `heap used after a full GC ${((loadBreakdown.afterGc?.heapUsed ?? Number.NaN) / 2 ** 20).toFixed(1)} MiB)`,
        );
      } finally {
        await backend.stop();
      }
    }
    return { modes };
  } finally {
    await sandbox.stop();
    await db.remove();
  }
}
