import { describe, expect, it } from 'vitest';
import { evaluateTargets, renderMarkdown, renderTable, type Results } from './report.ts';

const machine = {
  cpus: 2,
  cpuModel: 'test',
  node: 'v20',
  platform: 'linux x64',
  date: '2026-01-01T00:00:00Z',
  loadAverageAtStart: [0, 0, 0],
};

const breakdown = { rss: 1, heapTotal: 1, heapUsed: 1, external: 1, arrayBuffers: 1, afterGc: null };

function withMemory(startupMs: number, loadRssBytes: number): Results {
  return {
    machine,
    memory: {
      modes: {
        tsx: {
          startupMs,
          startupRoundsMs: [startupMs],
          idleRssBytes: 50e6,
          loadRssBytes,
          idleBreakdown: breakdown,
          loadBreakdown: breakdown,
        },
        bundle: {
          startupMs: 100,
          startupRoundsMs: [100],
          idleRssBytes: 40e6,
          loadRssBytes: 60e6,
          idleBreakdown: breakdown,
          loadBreakdown: breakdown,
        },
      },
    },
    targets: [],
  };
}

describe('evaluateTargets', () => {
  it('checks start-up and memory against their targets, per way of running', () => {
    const targets = evaluateTargets(withMemory(301, 100e6));
    const get = (measure: string) => targets.find((t) => t.measure === measure);
    expect(get('Start-up to first request, handoff serve (tsx)')).toMatchObject({
      met: false,
      target: '≤ 300 ms',
    });
    expect(get('Backend RSS under load, handoff serve (tsx)')).toMatchObject({ met: true });
    expect(get('Start-up to first request, pre-bundled')).toMatchObject({ met: true, measured: '100.0 ms' });
  });

  it('checks the ratio targets at their bounds', () => {
    const route = {
      rps: 1,
      p50Ms: 1,
      p99Ms: 1,
      ratioToBare: 0.4,
      backendCpuMsPerRequest: null,
      sandboxCpuMsPerRequest: null,
      errors: 0,
    };
    const r: Results = {
      machine,
      throughput: {
        concurrency: 16,
        rounds: 1,
        runMs: 1,
        bare: { rps: 1, p50Ms: 1, p99Ms: 1, cpuMsPerRequest: null },
        routes: { okepay: route, '2checkout': route, paybis: route },
        signing: { hmacSha256PerSec: 1, rsaPss2048Sha512PerSec: 1, okepaySignPerSec: 1 },
        paybisRatioToRsaCeiling: 0.79,
        cpuRatios: { okepayToBare: null, paybisToRsaCeiling: null },
        backendRss: { idleBytes: 1, peakUnderLoadBytes: 1 },
      },
      targets: [],
    };
    const targets = evaluateTargets(r);
    expect(targets.map((t) => t.met)).toEqual([true, false]);
  });

  it('answers only for the parts that ran', () => {
    expect(evaluateTargets({ machine, targets: [] })).toEqual([]);
  });
});

describe('renderTable and renderMarkdown', () => {
  it('show each number with its target and whether it was met', () => {
    const r = withMemory(2400, 181e6);
    r.targets = evaluateTargets(r);
    const table = renderTable(r);
    expect(table).toMatch(
      /Start-up to first request, handoff serve \(tsx\)\s+2400\.0 ms\s+≤ 300 ms\s+MISSED/,
    );
    expect(table).toMatch(/Backend RSS idle, pre-bundled\s+38\.1 MiB\s+—/);
    expect(renderMarkdown(r)).toContain(
      '| Start-up to first request, pre-bundled ≤ 300 ms | 100.0 ms | yes |',
    );
  });
});
