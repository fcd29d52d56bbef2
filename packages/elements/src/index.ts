import { HandoffManageSubscriptionElement } from './manage-subscription.ts';
import { HandoffPaybisLauncherElement } from './paybis-launcher.ts';
import type { PaybisWidgetEvent } from '@handoff/core';
import type { HandoffErrorDetail, HandoffOpenDetail } from './base.ts';

export { configure, type HandoffConfig } from './configure.ts';
export type { HandoffErrorDetail, HandoffOpenDetail } from './base.ts';
export { HandoffManageSubscriptionElement } from './manage-subscription.ts';
export { HandoffPaybisLauncherElement, type PaybisLauncherState } from './paybis-launcher.ts';
export { HandoffError, TWOCHECKOUT_PREFETCH_MIN_VALIDITY } from '@handoff/core';

/**
 * Defines `<handoff-manage-subscription>` and `<handoff-paybis-launcher>` (once; importing this
 * module does it). Does nothing where there is no `customElements`, such as server rendering.
 */
export function defineHandoffElements(registry = globalThis.customElements): void {
  if (!registry) return;
  for (const [name, element] of [
    ['handoff-manage-subscription', HandoffManageSubscriptionElement],
    ['handoff-paybis-launcher', HandoffPaybisLauncherElement],
  ] as const) {
    if (!registry.get(name)) registry.define(name, element);
  }
}

defineHandoffElements();

declare global {
  interface HTMLElementTagNameMap {
    'handoff-manage-subscription': HandoffManageSubscriptionElement;
    'handoff-paybis-launcher': HandoffPaybisLauncherElement;
  }
  /** The events the elements dispatch; all bubble. */
  interface HTMLElementEventMap {
    'handoff:open': CustomEvent<HandoffOpenDetail>;
    'handoff:error': CustomEvent<HandoffErrorDetail>;
    'handoff:widget-event': CustomEvent<PaybisWidgetEvent>;
    'handoff:complete': CustomEvent<PaybisWidgetEvent>;
    'handoff:close': CustomEvent<null>;
  }
}
