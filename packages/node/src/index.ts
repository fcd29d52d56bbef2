export {
  createHandoffClient,
  type CreateCustomerSessionOptions,
  type HandoffClientOptions,
  type HandoffServerClient,
} from './client.ts';
export { HandoffApiError, HandoffError, HandoffNetworkError, HandoffTimeoutError } from './errors.ts';
export type { CustomerIdentity, CustomerSession, CustomerSessionRequest } from './wire.ts';
