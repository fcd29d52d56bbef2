/**
 * The fuzzing part again, with the backend storing in PostgreSQL (a fresh schema), so text and
 * numbers either engine refuses or changes are found on both. Fewer runs per route by default
 * (HANDOFF_FUZZ_RUNS overrides): the routes and the generators are the same.
 */
process.env.HANDOFF_RELIABILITY_ENGINE = 'postgres';
process.env.HANDOFF_FUZZ_RUNS ??= '2000';
await import('./fuzz.suite.ts');
