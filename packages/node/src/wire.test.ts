import type * as Core from '@handoff/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { CustomerIdentity, CustomerSession, CustomerSessionRequest } from './wire.ts';

// The workspace typecheck fails here when the copies drift from the wire types the server uses.
describe("the SDK's wire types", () => {
  it('equal @handoff/core’s', () => {
    expectTypeOf<CustomerIdentity>().toEqualTypeOf<Core.CustomerIdentity>();
    expectTypeOf<CustomerSessionRequest>().toEqualTypeOf<Core.CustomerSessionRequest>();
    expectTypeOf<CustomerSession>().toEqualTypeOf<Core.CustomerSessionResponse>();
  });
});
