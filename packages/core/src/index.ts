export * from './wire.ts';
export * from './errors.ts';
export * from './client.ts';
export * from './open-window.ts';
export * from './paybis.ts';
export * from './prefetch.ts';
