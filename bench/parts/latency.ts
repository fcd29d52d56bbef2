import { directSpecs } from '../lib/direct.ts';
import { runLoad, type LoadOptions } from '../lib/load.ts';
import { startStack, ROUTES, type RouteName } from '../lib/stack.ts';
import { percentileSorted, round } from '../lib/stats.ts';

export interface LatencyOptions {
  sandboxLatencyMs: number;
  rounds: number;
  /** Requests per side (backend route, direct sandbox call) and round. */
  requestsPerRound: number;
  /** Closed loop: this many requests in flight, each sent when the last is answered. */
  concurrency: number;
  /** Open loop: requests sent at random times (Poisson), this many a second on average. */
  arrivalsPerSecond: number;
  log: (line: string) => void;
}

export interface RouteLatency {
  /** Through the backend. */
  backend: { p50Ms: number; p99Ms: number };
  /** The same provider call sent straight to the sandbox: the sandbox's own time. */
  sandbox: { p50Ms: number; p99Ms: number };
  /** backend − sandbox, per percentile. */
  addedP50Ms: number;
  addedP99Ms: number;
  samples: number;
}

export interface LatencyLoad {
  routes: Record<RouteName, RouteLatency>;
  /** The worst route's added p50 and p99 (what the targets are checked against). */
  worstAddedP50Ms: number;
  worstAddedP99Ms: number;
}

export interface LatencyResult extends LatencyLoad {
  sandboxLatencyMs: number;
  /** The closed loop's figures are the top-level `routes` and `worst…`. */
  concurrency: number;
  /** The same measure under independent arrivals. */
  open?: LatencyLoad & { arrivalsPerSecond: number };
}

/**
 * Part 2: with the sandbox answering after a fixed delay, each route's latency through the
 * backend against the same provider call made straight to the sandbox, in alternating rounds.
 * The difference is what the backend adds: its own work and the extra loopback hop.
 */
export async function runLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { log } = options;
  const stack = await startStack();
  try {
    const direct = await directSpecs(stack.sandbox.urls);
    // Warm up at zero latency, then switch the delay on.
    for (const r of ROUTES) {
      for (const spec of [stack.routes[r], direct[r]]) {
        const warm = await runLoad(spec, { concurrency: 4, durationMs: 500, maxRequests: 2000 });
        if (warm.errors > 0) throw new Error(`${r} failed during warm-up: ${warm.firstError}`);
      }
    }
    await stack.sandbox.setLatency(options.sandboxLatencyMs);

    const measure = async (load: Omit<LoadOptions, 'durationMs' | 'maxRequests'>, tag: string) => {
      const routes = {} as Record<RouteName, RouteLatency>;
      for (const r of ROUTES) {
        const through: number[] = [];
        const straight: number[] = [];
        for (let round = 0; round < options.rounds; round++) {
          const sides = round % 2 === 0 ? (['backend', 'direct'] as const) : (['direct', 'backend'] as const);
          for (const side of sides) {
            // Both sides of a round get the same arrival schedule (in the open loop).
            const result = await runLoad(side === 'backend' ? stack.routes[r] : direct[r], {
              ...load,
              seed: round + 1,
              durationMs: 30_000,
              maxRequests: options.requestsPerRound,
            });
            if (result.errors > 0)
              log(`latency: ${tag} ${r} ${side}: ${result.errors} errors, first: ${result.firstError}`);
            (side === 'backend' ? through : straight).push(...result.latencies);
          }
        }
        through.sort((a, b) => a - b);
        straight.sort((a, b) => a - b);
        const b = { p50Ms: percentileSorted(through, 50), p99Ms: percentileSorted(through, 99) };
        const s = { p50Ms: percentileSorted(straight, 50), p99Ms: percentileSorted(straight, 99) };
        routes[r] = {
          backend: { p50Ms: round(b.p50Ms), p99Ms: round(b.p99Ms) },
          sandbox: { p50Ms: round(s.p50Ms), p99Ms: round(s.p99Ms) },
          addedP50Ms: round(b.p50Ms - s.p50Ms),
          addedP99Ms: round(b.p99Ms - s.p99Ms),
          samples: Math.min(through.length, straight.length),
        };
        log(
          `latency: ${tag} ${r}: backend p50 ${b.p50Ms.toFixed(2)} p99 ${b.p99Ms.toFixed(2)} ms; ` +
            `sandbox p50 ${s.p50Ms.toFixed(2)} p99 ${s.p99Ms.toFixed(2)} ms`,
        );
      }
      return {
        routes,
        worstAddedP50Ms: Math.max(...ROUTES.map((r) => routes[r].addedP50Ms)),
        worstAddedP99Ms: Math.max(...ROUTES.map((r) => routes[r].addedP99Ms)),
      };
    };

    const closed = await measure({ concurrency: options.concurrency }, `${options.concurrency} at once,`);
    // The closed loop keeps its workers in step (they all wait the same 100 ms), so requests
    // reach the backend in bursts. Independent arrivals at about the same rate show what a
    // request adds when it is not queued behind a burst; both are reported.
    const open = await measure(
      { concurrency: 64, arrivalsPerSecond: options.arrivalsPerSecond },
      `${options.arrivalsPerSecond}/s,`,
    );
    return {
      sandboxLatencyMs: options.sandboxLatencyMs,
      concurrency: options.concurrency,
      ...closed,
      open: { arrivalsPerSecond: options.arrivalsPerSecond, ...open },
    };
  } finally {
    await stack.stop();
  }
}
