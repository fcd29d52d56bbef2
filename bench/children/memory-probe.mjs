// Preloaded into the backend (`node --expose-gc --import`): on SIGUSR2 it prints the process's
// memory use as one `MEMORY {json}` line, then again after a full garbage collection, so the
// bench can tell garbage waiting to be collected from memory the backend keeps.
process.on('SIGUSR2', () => {
  const now = process.memoryUsage();
  const gc = globalThis.gc;
  if (typeof gc === 'function') gc();
  const afterGc = typeof gc === 'function' ? process.memoryUsage() : null;
  process.stdout.write(`MEMORY ${JSON.stringify({ ...now, afterGc })}\n`);
});
