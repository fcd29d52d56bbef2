import { createOkePaySandbox, OKEPAY_DEMO, type OkePaySeed } from './okepay.ts';
import { createPaybisSandbox, PAYBIS_DEMO, type PaybisSeed } from './paybis.ts';
import { createTwoCheckoutSandbox, TWOCHECKOUT_DEMO, type TwoCheckoutSeed } from './twocheckout.ts';
import type { FaultConfig, ProviderSandbox, SandboxContext } from './types.ts';

export type { FaultConfig, ProviderSandbox, SandboxContext } from './types.ts';
export { OKEPAY_DEMO, PAYBIS_DEMO, TWOCHECKOUT_DEMO };

export interface SandboxOptions {
  /** Origin the sandbox is reachable at (links it hands out point here). Default `http://sandbox.localhost`. */
  baseUrl?: string;
  okepay?: OkePaySeed;
  twocheckout?: TwoCheckoutSeed;
  paybis?: PaybisSeed;
  faults?: FaultConfig;
  now?: () => number;
  /** How to learn a request's client IP (the Node server sets this from the socket). */
  clientIp?: (request: Request) => string | null;
}

export interface Sandbox {
  readonly baseUrl: string;
  /** The Web-standard handler: serve it, put it behind MSW, or call it from a test. */
  fetch(request: Request): Promise<Response>;
  /** Replace the fault configuration (also `POST /_sandbox/faults` with the same JSON). */
  setFaults(faults: FaultConfig): void;
  /** Where to point the backend at this sandbox (the HANDOFF_*_URL / _BASE variables). */
  readonly urls: {
    okepayApiBase: string;
    twocheckoutApiUrl: string;
    paybisApiUrl: string;
    paybisWidgetUrl: string;
  };
}
