import { cpuMsOf } from '../lib/child.ts';
import { runLoad, type LoadResult, type RequestSpec } from '../lib/load.ts';
import { startStack, ROUTES, type RouteName, type Stack } from '../lib/stack.ts';
import { median, round } from '../lib/stats.ts';
import { measureSigning, type SigningResult } from './signing.ts';

export interface ThroughputOptions {
  rounds: number;
  /** Length of each measured run, per target and round. */
  runMs: number;
  concurrency: number;
  log: (line: string) => void;
}

export interface RouteThroughput {
  /** Medians over the rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over rounds of (route rps / bare rps in the same round). */
  ratioToBare: number;
  /** Backend CPU time per request (user + system), median over rounds; null where unreadable. */
  backendCpuMsPerRequest: number | null;
  /** Sandbox CPU time per request: the share of the machine the simulated provider takes. */
  sandboxCpuMsPerRequest: number | null;
  errors: number;
}

export interface ThroughputResult {
  concurrency: number;
  rounds: number;
  runMs: number;
  bare: { rps: number; p50Ms: number; p99Ms: number; cpuMsPerRequest: number | null };
  routes: Record<RouteName, RouteThroughput>;
  signing: SigningResult;
  /** Paybis route requests per second over RSA signatures per second on one core. */
  paybisRatioToRsaCeiling: number;
  /**
   * The same two ratios from CPU time instead of wall time, steadier on a shared machine:
   * (bare CPU per request / OkePay backend CPU per request) and
   * (RSA signature CPU time / Paybis backend CPU per request).
   */
  cpuRatios: { okepayToBare: number | null; paybisToRsaCeiling: number | null };
  /** Backend resident memory: before the load and the peak sampled during it. */
  backendRss: { idleBytes: number; peakUnderLoadBytes: number };
}

interface Sample {
  result: LoadResult;
  cpuMs: number | null;
  sandboxCpuMs: number | null;
}

async function measure(
  stack: Stack,
  pid: number,
  spec: RequestSpec,
  options: ThroughputOptions,
): Promise<Sample> {
  const cpu0 = await cpuMsOf(pid);
  const sb0 = await cpuMsOf(stack.sandbox.pid);
  const result = await runLoad(spec, {
    concurrency: options.concurrency,
    durationMs: options.runMs,
    maxRequests: 1_000_000,
  });
  const cpu1 = await cpuMsOf(pid);
  const sb1 = await cpuMsOf(stack.sandbox.pid);
  const per = (a: number | null, b: number | null) =>
    a === null || b === null || result.requests === 0 ? null : (b - a) / result.requests;
  return { result, cpuMs: per(cpu0, cpu1), sandboxCpuMs: per(sb0, sb1) };
}

const medianOrNull = (values: Array<number | null>): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : median(known);
};

/**
 * Part 1: each customer route and the bare Hono route under the same fixed concurrency, in
 * interleaved rounds (the order rotates every round), so ratios compare runs made side by side.
 */
export async function runThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const { log } = options;
  log('throughput: signing ceiling per core…');
  const signing = measureSigning();

  const stack = await startStack();
  try {
    const idleBytes = await stack.backend.rss();
    let peak = idleBytes;
    const sampler = setInterval(() => {
      stack.backend.rss().then(
        (rss) => (peak = Math.max(peak, rss)),
        () => undefined,
      );
    }, 100);

    type Target = RouteName | 'bare';
    const targets: Target[] = ['bare', ...ROUTES];
    const specOf = (t: Target) => (t === 'bare' ? stack.bare.spec : stack.routes[t]);
    const pidOf = (t: Target) => (t === 'bare' ? stack.bare.pid : stack.backend.pid);

    // Warm up: JIT, connection pools, the Paybis auth key (created on the first request) and the 2Checkout session.
    for (const t of targets) {
      const warm = await runLoad(specOf(t), {
        concurrency: options.concurrency,
        durationMs: 800,
        maxRequests: 100_000,
      });
      if (warm.errors > 0) throw new Error(`${t} failed during warm-up: ${warm.firstError}`);
    }

    const samples = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
    const ratios = new Map<RouteName, number[]>(ROUTES.map((r) => [r, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      const inRound = new Map<Target, Sample>();
      for (const t of order) {
        const sample = await measure(stack, pidOf(t), specOf(t), options);
        if (sample.result.errors > 0)
          log(`throughput: ${t}: ${sample.result.errors} errors, first: ${sample.result.firstError}`);
        inRound.set(t, sample);
        samples.get(t)!.push(sample);
      }
      const bareRps = inRound.get('bare')!.result.rps;
      for (const r of ROUTES) ratios.get(r)!.push(inRound.get(r)!.result.rps / bareRps);
      log(
        `throughput: round ${round + 1}/${options.rounds}: ` +
          targets.map((t) => `${t} ${Math.round(inRound.get(t)!.result.rps)}/s`).join(', '),
      );
    }
    clearInterval(sampler);

    const summary = (t: Target) => {
      const list = samples.get(t)!;
      return {
        rps: round(median(list.map((s) => s.result.rps)), 1),
        p50Ms: round(median(list.map((s) => s.result.p50Ms))),
        p99Ms: round(median(list.map((s) => s.result.p99Ms))),
        cpu: medianOrNull(list.map((s) => s.cpuMs)),
        sandboxCpu: medianOrNull(list.map((s) => s.sandboxCpuMs)),
        errors: list.reduce((n, s) => n + s.result.errors, 0),
      };
    };
    const bare = summary('bare');
    const routes = Object.fromEntries(
      ROUTES.map((r) => {
        const s = summary(r);
        return [
          r,
          {
            rps: s.rps,
            p50Ms: s.p50Ms,
            p99Ms: s.p99Ms,
            ratioToBare: round(median(ratios.get(r)!)),
            backendCpuMsPerRequest: s.cpu === null ? null : round(s.cpu),
            sandboxCpuMsPerRequest: s.sandboxCpu === null ? null : round(s.sandboxCpu),
            errors: s.errors,
          },
        ];
      }),
    ) as Record<RouteName, RouteThroughput>;

    return {
      concurrency: options.concurrency,
      rounds: options.rounds,
      runMs: options.runMs,
      bare: {
        rps: bare.rps,
        p50Ms: bare.p50Ms,
        p99Ms: bare.p99Ms,
        cpuMsPerRequest: bare.cpu === null ? null : round(bare.cpu),
      },
      routes,
      signing: {
        hmacSha256PerSec: Math.round(signing.hmacSha256PerSec),
        rsaPss2048Sha512PerSec: Math.round(signing.rsaPss2048Sha512PerSec),
        okepaySignPerSec: Math.round(signing.okepaySignPerSec),
      },
      paybisRatioToRsaCeiling: round(routes.paybis.rps / signing.rsaPss2048Sha512PerSec),
      cpuRatios: {
        okepayToBare:
          bare.cpu && routes.okepay.backendCpuMsPerRequest
            ? round(bare.cpu / routes.okepay.backendCpuMsPerRequest)
            : null,
        paybisToRsaCeiling: routes.paybis.backendCpuMsPerRequest
          ? round(1000 / signing.rsaPss2048Sha512PerSec / routes.paybis.backendCpuMsPerRequest)
          : null,
      },
      backendRss: { idleBytes, peakUnderLoadBytes: peak },
    };
  } finally {
    await stack.stop();
  }
}
