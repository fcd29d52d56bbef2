import type { PluginBuild } from 'esbuild';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';
import { ROOT } from '../lib/stack.ts';

export interface SizeRow {
  name: string;
  /** What the app uses. */
  library: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** The size-limit budget in bytes (gzip), where there is one. */
  budgetBytes: number | null;
  /** The biggest inputs in the minified output (bytes before gzip), largest first. */
  contributors: Array<{ input: string; bytes: number }>;
}

export interface SizeResult {
  method: string;
  rows: SizeRow[];
}

interface App {
  name: string;
  library: string;
  file: string;
  budgetBytes: number | null;
}

const APPS: readonly App[] = [
  {
    name: 'ManageSubscriptionButton',
    library: '@handoff/react',
    file: 'handoff-manage-subscription-button.tsx',
    budgetBytes: 2400,
  },
  {
    name: 'PaybisWidgetLauncher',
    library: '@handoff/react',
    file: 'handoff-paybis-widget-launcher.tsx',
    budgetBytes: 2400,
  },
  {
    name: 'all of @handoff/react',
    library: '@handoff/react',
    file: 'handoff-everything.tsx',
    budgetBytes: 3600,
  },
  {
    name: 'MoonPay buy widget',
    library: '@moonpay/moonpay-react',
    file: 'moonpay-buy-widget.tsx',
    budgetBytes: null,
  },
  {
    name: 'Stripe embedded checkout',
    library: '@stripe/react-stripe-js',
    file: 'stripe-embedded-checkout.tsx',
    budgetBytes: null,
  },
  {
    name: 'Paddle checkout open',
    library: '@paddle/paddle-js',
    file: 'paddle-checkout-open.tsx',
    budgetBytes: null,
  },
];

/** Provided by the host app, never counted. */
const EXTERNAL = ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'];

export const SIZE_METHOD =
  'esbuild bundle of a minimal app (createRoot + the component), ESM, minified, ' +
  'NODE_ENV=production, react and react-dom external, first load (code behind a dynamic ' +
  'import(), such as the Paybis widget code loaded on intent, left out); gzip level 9 (node:zlib)';

/** First load: a dynamically imported module is its own chunk, fetched later, so it is not counted. */
const loadedOnIntent = {
  name: 'loaded-on-intent',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

/** Builds one minimal app and returns its minified and gzipped sizes. */
export async function measureApp(file: string): Promise<{
  minifiedBytes: number;
  gzipBytes: number;
  contributors: SizeRow['contributors'];
  code: string;
}> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(ROOT, 'bench/size/apps', file)],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    external: EXTERNAL,
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: {
      '@handoff/react': join(ROOT, 'packages/react/src/index.ts'),
      '@handoff/core': join(ROOT, 'packages/core/src/index.ts'),
    },
    metafile: true,
    plugins: [loadedOnIntent],
    logLevel: 'error',
    // The package entry's 'use client' is for React Server Components frameworks; a browser bundle drops it.
    logOverride: { 'unsupported-directive': 'silent' },
  });
  const code = Buffer.concat(result.outputFiles.map((f) => Buffer.from(f.contents)));
  const contributors = Object.values(result.metafile.outputs)
    .flatMap((output) => Object.entries(output.inputs))
    .map(([input, { bytesInOutput }]) => ({
      input: input.replace(/^.*node_modules\//, ''),
      bytes: bytesInOutput,
    }))
    .filter((c) => c.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
  return {
    minifiedBytes: code.length,
    gzipBytes: gzipSync(code, { level: constants.Z_BEST_COMPRESSION }).length,
    contributors,
    code: code.toString('utf8'),
  };
}

/** Part 4: bundle size of minimal apps on @handoff/react and on comparable vendor SDKs, built the same way. */
export async function runSize(log: (line: string) => void): Promise<SizeResult> {
  const rows: SizeRow[] = [];
  for (const app of APPS) {
    const { minifiedBytes, gzipBytes, contributors } = await measureApp(app.file);
    rows.push({
      name: app.name,
      library: app.library,
      minifiedBytes,
      gzipBytes,
      budgetBytes: app.budgetBytes,
      contributors,
    });
    log(`size: ${app.name}: ${minifiedBytes} B minified, ${gzipBytes} B gzip`);
  }
  return { method: SIZE_METHOD, rows };
}
