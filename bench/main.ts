import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/stack.ts';
import { runBrowser, type BrowserResult } from './parts/browser.ts';
import { runLatency, type LatencyResult } from './parts/latency.ts';
import { runMemory, type MemoryResult } from './parts/memory.ts';
import { measurePrefetch, prefetchTable } from './parts/prefetch.ts';
import { runSize, type SizeResult } from './parts/size.ts';
import { runThroughput, type ThroughputResult } from './parts/throughput.ts';
import { evaluateTargets, renderMarkdown, renderTable, type Results } from './report.ts';

const PARTS = ['throughput', 'latency', 'browser', 'prefetch', 'size', 'memory'] as const;
type Part = (typeof PARTS)[number];

const USAGE = `Usage: npm run bench -- [--only PART[,PART]] [--rounds N] [--quick]

Parts: ${PARTS.join(', ')} (default: all, about five minutes).
  --only PARTS   run only these parts; results.json keeps the other parts from the last run
  --rounds N     rounds for the throughput, latency and browser parts (default 5, 3, 10)
  --quick        short runs, to check the bench itself works
  --markdown     also print the targets as the README's Markdown table`;

function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of only ?? []) {
    if (!(PARTS as readonly string[]).includes(p)) {
      throw new Error(`--only: unknown part "${p}"; choose from ${PARTS.join(', ')}.`);
    }
  }
  let rounds: number | undefined;
  if (values.rounds !== undefined) {
    if (!/^\d{1,2}$/.test(values.rounds) || Number(values.rounds) < 1) {
      throw new Error('--rounds: a whole number from 1 to 99.');
    }
    rounds = Number(values.rounds);
  }
  return {
    parts: (only ?? PARTS) as readonly Part[],
    rounds,
    quick: values.quick,
    markdown: values.markdown,
  };
}

const RESULTS_PATH = join(ROOT, 'bench/results.json');

async function previousResults(): Promise<Partial<Results>> {
  try {
    return JSON.parse(await readFile(RESULTS_PATH, 'utf8')) as Partial<Results>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { parts, rounds, quick, markdown } = cli;
  const log = (line: string) => console.log(`  ${line}`);
  const started = performance.now();

  const previous = await previousResults();
  const results: Results = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      date: new Date().toISOString(),
      loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    ...(previous.throughput ? { throughput: previous.throughput } : {}),
    ...(previous.latency ? { latency: previous.latency } : {}),
    ...(previous.browser ? { browser: previous.browser } : {}),
    ...(previous.size ? { size: previous.size } : {}),
    ...(previous.memory ? { memory: previous.memory } : {}),
    ...(previous.prefetch ? { prefetch: previous.prefetch } : {}),
    targets: [],
  };

  for (const part of parts) {
    console.log(`${part}…`);
    switch (part) {
      case 'throughput':
        results.throughput = (await runThroughput({
          rounds: rounds ?? (quick ? 1 : 5),
          runMs: quick ? 500 : 2000,
          concurrency: 16,
          log,
        })) satisfies ThroughputResult;
        break;
      case 'latency':
        results.latency = (await runLatency({
          sandboxLatencyMs: 100,
          rounds: rounds ?? (quick ? 1 : 3),
          requestsPerRound: quick ? 40 : 100,
          concurrency: 8,
          // About the closed loop's rate: 8 in flight, each about 100 ms.
          arrivalsPerSecond: 75,
          log,
        })) satisfies LatencyResult;
        break;
      case 'browser':
        results.browser = (await runBrowser({
          latenciesMs: [0, 100],
          rounds: rounds ?? (quick ? 2 : 10),
          log,
        })) satisfies BrowserResult;
        break;
      case 'prefetch':
        // Click to provider page with and without prefetch on intent (pointer rests, then clicks).
        results.prefetch = await measurePrefetch({
          latenciesMs: [0, 100],
          rounds: rounds ?? (quick ? 2 : 5),
          log,
        });
        break;
      case 'size':
        results.size = (await runSize(log)) satisfies SizeResult;
        break;
      case 'memory':
        results.memory = (await runMemory({
          startupRounds: quick ? 2 : 5,
          loadMs: quick ? 500 : 2000,
          concurrency: 16,
          log,
        })) satisfies MemoryResult;
        break;
    }
  }

  results.targets = evaluateTargets(results);
  await writeFile(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  console.log('');
  console.log(renderTable(results));
  if (results.prefetch)
    console.log(
      `\nClick to provider page, p50, without and with prefetch:\n${prefetchTable(results.prefetch)}`,
    );
  if (markdown) console.log(`\n${renderMarkdown(results)}`);
  console.log(
    `\n${results.machine.cpus} CPUs (${results.machine.cpuModel}), Node ${results.machine.node}, ` +
      `load average ${results.machine.loadAverageAtStart.join(' ')} at start; ` +
      `ran ${parts.join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s. Wrote bench/results.json.`,
  );
}

await main();
// Child processes are stopped; keep-alive sockets or the browser must not hold the bench open.
process.exit(process.exitCode ?? 0);
