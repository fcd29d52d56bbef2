import type { ActionCallbacks, ActionDescriptor } from './action.ts';
import { HandoffOptionError } from './errors.ts';
import { openPending, type OpenTarget } from './open-window.ts';
import { TWOCHECKOUT_ACCESS_PAGES, type LinkResponse, type TwoCheckoutAccessPage } from './wire.ts';

/** The options of a button that opens the customer's subscription portal. */
export interface ManageSubscriptionOptions extends ActionCallbacks {
  provider: 'okepay' | '2checkout';
  /** 2Checkout: one of the signed-in customer's subscriptions. */
  subscriptionReference?: string;
  /** 2Checkout: the myAccount page to land on; the myAccount home page when absent. */
  accessPage?: TwoCheckoutAccessPage;
  /** 2Checkout: seconds the link stays valid, 5 to 300. */
  validityTime?: number;
  /** `new-tab` (default) or `same-tab`. A blocked new tab falls back to the same tab. */
  target?: OpenTarget;
  /** Fetch ahead on intent: on by default for OkePay; opt-in for 2Checkout with `validityTime` ≥ 30. */
  prefetch?: boolean;
}

/** The shortest 2Checkout link validity (seconds) with which prefetching may be turned on. */
export const TWOCHECKOUT_PREFETCH_MIN_VALIDITY = 30;

// Development builds check every option and name a bad one, before anything is asked;
// production builds skip the words and leave the refusal to the backend, which validates every
// request again. The rules that change what a click does (2Checkout prefetch, link lifetime)
// hold in every build.

type LinkDescriptor = ActionDescriptor<ManageSubscriptionOptions, LinkResponse>;
type LinkPlan = ReturnType<LinkDescriptor['plan']>;

function checkTarget({ target }: ManageSubscriptionOptions): void {
  if (target !== undefined && target !== 'new-tab' && target !== 'same-tab') {
    throw new HandoffOptionError('target', '"new-tab" or "same-tab"', target);
  }
}

function checkOkePay(options: ManageSubscriptionOptions, strict?: boolean): void {
  checkTarget(options);
  if (strict && options.subscriptionReference !== undefined) {
    throw new HandoffOptionError(
      'subscriptionReference',
      'nothing with provider="okepay" (it is for "2checkout")',
      options.subscriptionReference,
    );
  }
}

function checkTwoCheckout(options: ManageSubscriptionOptions, strict?: boolean): void {
  const { subscriptionReference, accessPage, validityTime, prefetch } = options;
  checkTarget(options);
  if (typeof subscriptionReference !== 'string' || !subscriptionReference.trim()) {
    throw new HandoffOptionError(
      'subscriptionReference',
      'the reference of one of the customer’s subscriptions',
      subscriptionReference,
    );
  }
  if (accessPage !== undefined && !TWOCHECKOUT_ACCESS_PAGES.includes(accessPage)) {
    throw new HandoffOptionError('accessPage', `one of ${TWOCHECKOUT_ACCESS_PAGES.join(', ')}`, accessPage);
  }
  if (
    validityTime !== undefined &&
    !(Number.isInteger(validityTime) && validityTime >= 5 && validityTime <= 300)
  ) {
    throw new HandoffOptionError('validityTime', 'whole seconds from 5 to 300', validityTime);
  }
  if (strict && prefetch && !((validityTime ?? 0) >= TWOCHECKOUT_PREFETCH_MIN_VALIDITY)) {
    throw new HandoffOptionError(
      'validityTime',
      `at least ${TWOCHECKOUT_PREFETCH_MIN_VALIDITY} seconds with \`prefetch\` (a link must outlive the wait for the click)`,
      validityTime,
    );
  }
}

/** Both portals open the same way: a tab opened in the click, sent to the link when it comes. */
const openInTab = ({
  target = 'new-tab',
}: ManageSubscriptionOptions): Pick<LinkPlan, 'prepare' | 'open'> => ({
  prepare: (ready) => openPending(target, undefined, ready?.url),
  // Navigates before reporting: the tab must leave about:blank as soon as the link is here.
  open: async (link, { pending }) => ({ state: 'idle', result: pending!.navigate(link.url) }),
});

/** OkePay: a one-time login link into the customer's portal; lives minutes, so fetched ahead by default. */
export const okepayAction: LinkDescriptor = {
  check(options, strict) {
    if (process.env.NODE_ENV !== 'production') checkOkePay(options, strict);
  },
  plan(options) {
    okepayAction.check(options);
    return {
      key: 'okepay',
      prefetch: options.prefetch !== false,
      load: (client, signal) => client.okepayLoginLink({ signal }),
      ...openInTab(options),
    };
  },
};

/**
 * 2Checkout: a single sign-on link into myAccount for one subscription and page. Its links live
 * seconds, so it fetches ahead only when asked, with a validity that leaves time to click, and a
 * link fetched ahead is used at most `validityTime` after its request, by this page's clock.
 */
export const twocheckoutAction: LinkDescriptor = {
  check(options, strict) {
    if (process.env.NODE_ENV !== 'production') checkTwoCheckout(options, strict);
  },
  plan(options) {
    twocheckoutAction.check(options);
    const { accessPage, validityTime, prefetch } = options;
    const request = {
      subscriptionReference: options.subscriptionReference?.trim() as string,
      accessPage,
      validityTime,
    };
    return {
      key: JSON.stringify(request),
      prefetch: !!prefetch && (validityTime ?? 0) >= TWOCHECKOUT_PREFETCH_MIN_VALIDITY,
      lifeMs: validityTime && validityTime * 1000,
      load: (client, signal) => client.twocheckoutSso(request, { signal }),
      ...openInTab(options),
    };
  },
};

const portalAction = ({ provider }: ManageSubscriptionOptions): LinkDescriptor => {
  if (provider === '2checkout') return twocheckoutAction;
  if (process.env.NODE_ENV !== 'production' && provider !== 'okepay') {
    throw new HandoffOptionError('provider', '"okepay" or "2checkout"', provider);
  }
  return okepayAction;
};

/** The subscription portal of `options.provider`: OkePay or 2Checkout myAccount. */
export const manageSubscriptionAction: LinkDescriptor = {
  check: (options, strict) => portalAction(options).check(options, strict),
  plan: (options) => portalAction(options).plan(options),
};
