import {
  manageSubscriptionAction,
  type LinkResponse,
  type ManageSubscriptionOptions,
  type OpenTarget,
  type TwoCheckoutAccessPage,
} from '@handoff/core';
import { HandoffElement, prefetchAttribute, type HandoffOpenDetail } from './base.ts';

/**
 * `<handoff-manage-subscription>`: opens the signed-in customer's subscription page at the
 * payment provider, already logged in, in a tab opened inside the click (or, if the browser
 * blocks it, in this one). The link is fetched ahead when the pointer rests on the button or it
 * gets focus, so the click usually opens the page at once.
 *
 * Attributes: `provider` (`okepay` | `2checkout`); for 2Checkout `subscription-reference`,
 * optional `access-page` and `validity-time` (seconds, 5–300); `target` (`new-tab` | `same-tab`);
 * `prefetch` (on by default for OkePay, opt-in for 2Checkout with `validity-time` ≥ 30;
 * `prefetch="false"` turns it off). Events: `handoff:open`, `handoff:error`.
 *
 * @example
 * <handoff-manage-subscription provider="okepay">Manage subscription</handoff-manage-subscription>
 */
export class HandoffManageSubscriptionElement extends HandoffElement<
  ManageSubscriptionOptions,
  LinkResponse
> {
  protected readonly defaultLabel = 'Manage subscription';
  protected readonly descriptor = manageSubscriptionAction;

  protected options(): ManageSubscriptionOptions {
    const provider = this.getAttribute('provider') as ManageSubscriptionOptions['provider'];
    const validityTime = this.getAttribute('validity-time');
    return {
      provider,
      // Only 2Checkout reads these.
      subscriptionReference: this.getAttribute('subscription-reference') ?? undefined,
      accessPage: (this.getAttribute('access-page') ?? undefined) as TwoCheckoutAccessPage | undefined,
      validityTime: validityTime === null ? undefined : Number(validityTime),
      target: (this.getAttribute('target') ?? undefined) as OpenTarget | undefined,
      prefetch: prefetchAttribute(this),
      onOpen: (result) => this.emit<HandoffOpenDetail>('handoff:open', { provider, result }),
      onError: (error) => this.reportError(error),
    };
  }
}
