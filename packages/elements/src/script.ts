/**
 * Types for the script file (`@handoff/elements/handoff-elements.js`): loading it defines the
 * elements and a global `Handoff` holding this package's exports (`Handoff.configure(…)`).
 */
import type * as Elements from './index.ts';

declare global {
  // A `var` is what declares a property of `globalThis`.
  var Handoff: typeof Elements;
}
