export { createHandoff, type HandoffOptions } from './app.ts';
export { loadConfig, ConfigError, type HandoffConfig } from './config.ts';
export type { IdentifyCustomer } from './context.ts';
export { ApiError, ProviderError, ProviderTimeoutError } from './errors.ts';
export { createLogger, type Logger } from './logger.ts';
export type { Customer, Store } from './store/types.ts';
export { openStore, type StoreOptions, type SqlStore } from './store/index.ts';
