import {
  openPending,
  prefetchEnabled,
  TWOCHECKOUT_ACCESS_PAGES,
  type LinkResponse,
  type OpenTarget,
  type PendingWindow,
  type TwoCheckoutAccessPage,
} from '@handoff/core';
import {
  badAttribute,
  HandoffElement,
  prefetchAttribute,
  type ElementRequest,
  type HandoffOpenDetail,
} from './base.ts';

const TAG = 'handoff-manage-subscription';

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
export class HandoffManageSubscriptionElement extends HandoffElement<LinkResponse> {
  protected readonly defaultLabel = 'Manage subscription';

  protected request(): ElementRequest<LinkResponse> {
    const provider = this.getAttribute('provider');
    this.#target();
    if (provider === 'okepay') {
      return {
        key: provider,
        load: (client, signal) => client.okepayLoginLink({ signal }),
        prefetch: prefetchEnabled(provider, prefetchAttribute(this)),
      };
    }
    if (provider !== '2checkout') throw badAttribute(TAG, 'provider', '"okepay" or "2checkout"', provider);
    const subscriptionReference = this.getAttribute('subscription-reference')?.trim();
    if (!subscriptionReference) {
      throw badAttribute(
        TAG,
        'subscription-reference',
        'a subscription reference',
        subscriptionReference ?? null,
      );
    }
    const page = this.getAttribute('access-page');
    if (page !== null && !TWOCHECKOUT_ACCESS_PAGES.includes(page as TwoCheckoutAccessPage)) {
      throw badAttribute(TAG, 'access-page', `one of ${TWOCHECKOUT_ACCESS_PAGES.join(', ')}`, page);
    }
    const validity = this.getAttribute('validity-time');
    const validityTime = validity === null ? undefined : Number(validity);
    if (
      validityTime !== undefined &&
      !(Number.isInteger(validityTime) && validityTime >= 5 && validityTime <= 300)
    ) {
      throw badAttribute(TAG, 'validity-time', 'whole seconds from 5 to 300', validity);
    }
    const sso = {
      subscriptionReference,
      accessPage: (page ?? undefined) as TwoCheckoutAccessPage | undefined,
      validityTime,
    };
    return {
      key: JSON.stringify(sso),
      load: (client, signal) => client.twocheckoutSso(sso, { signal }),
      prefetch: prefetchEnabled(provider, prefetchAttribute(this), validityTime),
      life: validityTime && validityTime * 1000,
    };
  }

  #target(): OpenTarget {
    const target = this.getAttribute('target') ?? 'new-tab';
    if (target !== 'new-tab' && target !== 'same-tab') {
      throw badAttribute(TAG, 'target', '"new-tab" or "same-tab"', target);
    }
    return target;
  }

  protected prepare(ready: LinkResponse | undefined): PendingWindow {
    return openPending(this.#target(), undefined, ready?.url);
  }

  protected async open(link: LinkResponse, pending: PendingWindow | undefined): Promise<void> {
    const result = pending!.navigate(link.url);
    this.setState('idle');
    this.emit<HandoffOpenDetail>('handoff:open', {
      provider: this.getAttribute('provider') as HandoffOpenDetail['provider'],
      result,
    });
  }
}
