// Size budgets, min+gzip, on the built packages (`npm run build` first). React is the host
// app's, so it is not counted. "First load" is what a page downloads before any intent: code
// behind a dynamic `import()` (the Paybis widget code, loaded when the customer reaches for the
// launcher) is measured on its own below.

/** Leaves dynamically imported modules out of a bundle: they load later, as their own chunk. */
const loadedOnIntent = {
  name: 'loaded-on-intent',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};
const firstLoad = (config) => ({ ...config, plugins: [...(config.plugins ?? []), loadedOnIntent] });
const react = {
  path: 'packages/react/dist/index.js',
  ignore: ['react', 'react-dom', 'react/jsx-runtime'],
  gzip: true,
  modifyEsbuildConfig: firstLoad,
};

export default [
  {
    ...react,
    name: 'ManageSubscriptionButton with HandoffProvider: guard; target 2.4 kB not yet met',
    import: '{ HandoffProvider, ManageSubscriptionButton }',
    limit: '3.37 kB',
  },
  {
    ...react,
    name: 'PaybisWidgetLauncher with HandoffProvider, first load: guard; target 2.4 kB not yet met',
    import: '{ HandoffProvider, PaybisWidgetLauncher }',
    limit: '3.94 kB',
  },
  {
    ...react,
    name: '@handoff/react, everything, first load: guard; target 3.6 kB not yet met',
    import: '*',
    limit: '4.33 kB',
  },
  {
    name: 'Paybis widget code, loaded on intent',
    path: 'packages/core/dist/paybis-widget.js',
    import: '{ openPaybisWidget }',
    gzip: true,
    limit: '1.55 kB',
  },
  {
    name: '@handoff/core client and opener',
    path: 'packages/core/dist/index.js',
    import: '{ createHandoffClient, openPending }',
    gzip: true,
    limit: '1.4 kB',
  },
  {
    name: '@handoff/elements script file (one file, the widget code inlined): guard; target 4.4 kB not yet met',
    path: 'packages/elements/dist/handoff-elements.js',
    gzip: true,
    limit: '5.73 kB',
  },
];
