import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, Deps } from '../context.ts';

// Placeholder until this route module is implemented.
export function registerCustomerSessionRoutes(_app: OpenAPIHono<AppEnv>, _deps: Deps): void {}
