/** The access-control part again, with the backend storing in PostgreSQL (a fresh schema). */
process.env.HANDOFF_RELIABILITY_ENGINE = 'postgres';
await import('./access.suite.ts');
