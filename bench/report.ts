import type { PrefetchResult } from './parts/prefetch.ts';
import type { BrowserResult } from './parts/browser.ts';
import type { LatencyLoad, LatencyResult } from './parts/latency.ts';
import type { MemoryResult } from './parts/memory.ts';
import type { SizeResult } from './parts/size.ts';
import type { ThroughputResult } from './parts/throughput.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  date: string;
  /** 1, 5 and 15 minute load averages when the run started: how busy the machine already was. */
  loadAverageAtStart: number[];
}

export interface TargetCheck {
  measure: string;
  measured: string;
  target: string;
  met: boolean;
}

export interface Results {
  machine: Machine;
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  browser?: BrowserResult;
  size?: SizeResult;
  memory?: MemoryResult;
  prefetch?: PrefetchResult;
  targets: TargetCheck[];
}

const ROUTE_LABEL = {
  okepay: 'OkePay link',
  '2checkout': '2Checkout SSO',
  paybis: 'Paybis session',
} as const;
const COMPONENT_LABEL = {
  okepay: 'OkePay portal',
  '2checkout': '2Checkout myAccount',
  paybis: 'Paybis widget',
} as const;

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
const per = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;

/** The two ways the bare browser clicks, by the label the table gives them. */
const bareClicks = (x: NonNullable<BrowserResult['bare']>[string]['okepay'], restMs = 300) => ({
  'click at once': x.atOnce,
  [`pointer rests ${restMs} ms first`]: x.rested,
});

/** Every target of the issue that the results so far can answer. */
export function evaluateTargets(r: Results): TargetCheck[] {
  const out: TargetCheck[] = [];
  if (r.throughput) {
    const ratio = r.throughput.routes.okepay.ratioToBare;
    out.push({
      measure: 'OkePay route rps / bare Hono route rps',
      measured: `${ratio.toFixed(3)}×`,
      target: '≥ 0.4×',
      met: ratio >= 0.4,
    });
    const paybis = r.throughput.paybisRatioToRsaCeiling;
    out.push({
      measure: 'Paybis route rps / RSA-PSS signatures per core',
      measured: `${paybis.toFixed(3)}×`,
      target: '≥ 0.8×',
      met: paybis >= 0.8,
    });
  }
  if (r.latency) {
    const { sandboxLatencyMs, open } = r.latency;
    const loads: Array<[string, LatencyLoad]> = [[`${r.latency.concurrency} at once`, r.latency]];
    if (open) loads.push([`${open.arrivalsPerSecond}/s random arrivals`, open]);
    for (const [load, x] of loads) {
      out.push({
        measure: `Added latency p50 (worst route, sandbox ${sandboxLatencyMs} ms, ${load})`,
        measured: ms(x.worstAddedP50Ms),
        target: '≤ 1 ms',
        met: x.worstAddedP50Ms <= 1,
      });
      out.push({
        measure: `Added latency p99 (worst route, sandbox ${sandboxLatencyMs} ms, ${load})`,
        measured: ms(x.worstAddedP99Ms),
        target: '≤ 5 ms',
        met: x.worstAddedP99Ms <= 5,
      });
    }
  }
  const zero = r.browser?.byLatency['0'];
  if (zero) {
    for (const [component, label] of Object.entries(COMPONENT_LABEL) as Array<
      [keyof typeof COMPONENT_LABEL, string]
    >) {
      const p50 = zero[component].p50Ms;
      out.push({
        measure: `Click → ${label} p50 (provider latency 0)`,
        measured: ms(p50),
        target: '≤ 50 ms',
        met: p50 <= 50,
      });
    }
  }
  const bareZero = r.browser?.bare?.['0'];
  if (bareZero) {
    for (const [component, label] of Object.entries(COMPONENT_LABEL) as Array<
      [keyof typeof COMPONENT_LABEL, string]
    >) {
      for (const [way, x] of Object.entries(bareClicks(bareZero[component], r.browser?.restMs))) {
        out.push({
          measure: `Click → ${label} p50 (provider latency 0), no driver on the tab, ${way}`,
          measured: ms(x.p50Ms),
          target: '≤ 50 ms',
          met: x.p50Ms <= 50,
        });
      }
    }
  }
  if (r.size) {
    for (const row of r.size.rows) {
      if (row.budgetBytes === null) continue;
      out.push({
        measure: `Bundle: ${row.name} (app, min+gzip)`,
        measured: kb(row.gzipBytes),
        target: `≤ ${kb(row.budgetBytes)}`,
        met: row.gzipBytes <= row.budgetBytes,
      });
    }
  }
  if (r.memory) {
    for (const [mode, m] of Object.entries(r.memory.modes)) {
      const name = mode === 'tsx' ? 'handoff serve (tsx)' : 'pre-bundled';
      out.push({
        measure: `Backend RSS under load, ${name}`,
        measured: mib(m.loadRssBytes),
        target: '≤ 100 MB',
        met: m.loadRssBytes <= 100 * 10 ** 6,
      });
      out.push({
        measure: `Start-up to first request, ${name}`,
        measured: ms(m.startupMs),
        target: '≤ 300 ms',
        met: m.startupMs <= 300,
      });
    }
  }
  return out;
}

interface Row {
  measure: string;
  measured: string;
  target?: string;
  met?: boolean;
}

/** All the numbers, each with its target and whether it was met where there is one. */
export function tableRows(r: Results): Row[] {
  const rows: Row[] = [];
  const targets = new Map(r.targets.map((t) => [t.measure, t]));
  const withTarget = (measure: string, measured: string): Row => {
    const t = targets.get(measure);
    return t ? { measure, measured: t.measured, target: t.target, met: t.met } : { measure, measured };
  };

  if (r.throughput) {
    const t = r.throughput;
    rows.push({
      measure: `Bare Hono route (c=${t.concurrency})`,
      measured: `${per(t.bare.rps)}, p50 ${ms(t.bare.p50Ms)}, p99 ${ms(t.bare.p99Ms)}`,
    });
    for (const [route, label] of Object.entries(ROUTE_LABEL) as Array<[keyof typeof ROUTE_LABEL, string]>) {
      const x = t.routes[route];
      const cpu =
        x.backendCpuMsPerRequest === null ? '' : `, ${ms(x.backendCpuMsPerRequest)} backend CPU/req`;
      rows.push({
        measure: `${label} route (c=${t.concurrency})`,
        measured: `${per(x.rps)}, p50 ${ms(x.p50Ms)}, p99 ${ms(x.p99Ms)}, ${x.ratioToBare.toFixed(3)}× bare${cpu}`,
      });
    }
    rows.push(withTarget('OkePay route rps / bare Hono route rps', ''));
    if (t.cpuRatios.okepayToBare !== null) {
      rows.push({
        measure: 'Same ratio from CPU time per request',
        measured: `${t.cpuRatios.okepayToBare.toFixed(3)}× (bare ${ms(t.bare.cpuMsPerRequest ?? Number.NaN)} CPU/req)`,
      });
    }
    rows.push({
      measure: 'HMAC-SHA256 per core (per CPU-second)',
      measured: per(t.signing.hmacSha256PerSec),
    });
    rows.push({
      measure: 'RSA-PSS-2048 SHA-512 signatures per core (per CPU-second)',
      measured: per(t.signing.rsaPss2048Sha512PerSec),
    });
    rows.push(withTarget('Paybis route rps / RSA-PSS signatures per core', ''));
    if (t.cpuRatios.paybisToRsaCeiling !== null) {
      rows.push({
        measure: 'Same ratio from CPU time per request',
        measured: `${t.cpuRatios.paybisToRsaCeiling.toFixed(3)}×`,
      });
    }
  }
  if (r.latency) {
    const { open } = r.latency;
    const loads: Array<[string, LatencyLoad]> = [[`${r.latency.concurrency} at once`, r.latency]];
    if (open) loads.push([`${open.arrivalsPerSecond}/s random arrivals`, open]);
    for (const [load, { routes }] of loads) {
      for (const [route, label] of Object.entries(ROUTE_LABEL) as Array<[keyof typeof ROUTE_LABEL, string]>) {
        const x = routes[route];
        rows.push({
          measure: `Added latency, ${label} (sandbox ${r.latency.sandboxLatencyMs} ms, ${load})`,
          measured: `p50 ${ms(x.addedP50Ms)}, p99 ${ms(x.addedP99Ms)} (backend p50 ${ms(x.backend.p50Ms)} vs sandbox ${ms(x.sandbox.p50Ms)})`,
        });
      }
    }
    for (const t of r.targets.filter((t) => t.measure.startsWith('Added latency'))) rows.push({ ...t });
  }
  if (r.browser) {
    for (const [latency, byComponent] of Object.entries(r.browser.byLatency)) {
      for (const [component, label] of Object.entries(COMPONENT_LABEL) as Array<
        [keyof typeof COMPONENT_LABEL, string]
      >) {
        const x = byComponent[component];
        const measure = `Click → ${label} p50 (provider latency ${latency})`;
        const row = withTarget(measure, ms(x.p50Ms));
        row.measured =
          `${ms(x.p50Ms)} (p99 ${ms(x.p99Ms)}; backend call starts ` +
          `+${ms(x.clickToBackendRequestMs)}, lasts ${ms(x.backendRequestMs)})`;
        rows.push(row);
      }
    }
    for (const [latency, byComponent] of Object.entries(r.browser.bare ?? {})) {
      for (const [component, label] of Object.entries(COMPONENT_LABEL) as Array<
        [keyof typeof COMPONENT_LABEL, string]
      >) {
        for (const [way, x] of Object.entries(bareClicks(byComponent[component], r.browser.restMs))) {
          const measure = `Click → ${label} p50 (provider latency ${latency}), no driver on the tab, ${way}`;
          const row = withTarget(measure, ms(x.p50Ms));
          row.measured = `${ms(x.p50Ms)} (p99 ${ms(x.p99Ms)})`;
          rows.push(row);
        }
      }
    }
  }
  if (r.size) {
    for (const row of r.size.rows) {
      const measure = `Bundle: ${row.name} (app, min+gzip)`;
      const x = withTarget(measure, '');
      x.measured = `${kb(row.gzipBytes)} (${kb(row.minifiedBytes)} min)`;
      rows.push(x);
    }
  }
  if (r.memory) {
    for (const [mode, m] of Object.entries(r.memory.modes)) {
      const name = mode === 'tsx' ? 'handoff serve (tsx)' : 'pre-bundled';
      rows.push({ measure: `Backend RSS idle, ${name}`, measured: mib(m.idleRssBytes) });
      rows.push(withTarget(`Backend RSS under load, ${name}`, mib(m.loadRssBytes)));
      rows.push(withTarget(`Start-up to first request, ${name}`, ms(m.startupMs)));
    }
  }
  return rows.filter((row) => row.measured !== '');
}

export function renderTable(r: Results): string {
  const rows = tableRows(r);
  const header = ['Measure', 'Measured', 'Target', 'Met'];
  const cells = rows.map((row) => [
    row.measure,
    row.measured,
    row.target ?? '—',
    row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The README "Performance" table: target, measured, met. */
export function renderMarkdown(r: Results): string {
  const lines = ['| Target | Measured | Met? |', '| --- | --- | --- |'];
  for (const t of r.targets)
    lines.push(`| ${t.measure} ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}
