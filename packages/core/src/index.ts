export * from './wire.ts';
export * from './errors.ts';
