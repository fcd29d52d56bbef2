import {
  openPending,
  prefetchEnabled,
  TWOCHECKOUT_ACCESS_PAGES,
  TWOCHECKOUT_PREFETCH_MIN_VALIDITY,
  type HandoffError,
  type LinkResponse,
  type OpenResult,
  type OpenTarget,
  type TwoCheckoutAccessPage,
} from '@handoff/core';
import { forwardRef } from 'react';
import { useAction, type ActionProps } from './action.tsx';

export type ManageSubscriptionButtonState = 'idle' | 'loading' | 'error';

export interface ManageSubscriptionButtonBaseProps extends ActionProps {
  /** `new-tab` (default) or `same-tab`. A blocked new tab falls back to the same tab. */
  target?: OpenTarget;
  /** The provider page opened; `fallback` says when it was not where `target` asked. */
  onOpen?: (result: OpenResult) => void;
  /** The link could not be obtained; the button shows `data-state="error"` until the next click. */
  onError?: (error: HandoffError) => void;
  /**
   * Fetch the link when the pointer rests on the button or it gets focus, so the click opens the
   * page at once. A link is used once, only while valid. On by default for OkePay; 2Checkout opts
   * in, with a `validityTime` of 30 seconds or more.
   */
  prefetch?: boolean;
}

export interface OkePayButtonProps extends ManageSubscriptionButtonBaseProps {
  /** The OkePay portal of the signed-in customer. */
  provider: 'okepay';
}

export interface TwoCheckoutButtonProps extends ManageSubscriptionButtonBaseProps {
  /** 2Checkout myAccount, by single sign-on. */
  provider: '2checkout';
  /** One of the signed-in customer's subscriptions (the backend refuses any other). */
  subscriptionReference: string;
  /** The myAccount page to land on; the myAccount home page when absent. */
  accessPage?: TwoCheckoutAccessPage;
  /** Seconds the link stays valid, 5 to 300 (the backend's default when absent). */
  validityTime?: number;
}

export type ManageSubscriptionButtonProps = OkePayButtonProps | TwoCheckoutButtonProps;

type AnyButtonProps = ManageSubscriptionButtonBaseProps &
  Partial<Omit<TwoCheckoutButtonProps, 'provider'>> & { provider: string };

function invalid(prop: string, expected: string, got: unknown): TypeError {
  return new TypeError(
    `Invalid prop \`${prop}\` supplied to \`ManageSubscriptionButton\`: expected ${expected}, got ${JSON.stringify(got)}.`,
  );
}

/**
 * Props may come from untyped code or CMS data: development builds check them and name the
 * culprit. (The backend validates every request again, so production skips the words.)
 */
function checkProps({
  provider,
  subscriptionReference,
  accessPage,
  validityTime,
  target,
  prefetch,
}: AnyButtonProps): void {
  if (target !== undefined && target !== 'new-tab' && target !== 'same-tab') {
    throw invalid('target', '"new-tab" or "same-tab"', target);
  }
  if (provider === 'okepay') {
    if (subscriptionReference !== undefined) {
      throw invalid(
        'subscriptionReference',
        'nothing with provider="okepay" (it is for "2checkout")',
        subscriptionReference,
      );
    }
  } else if (provider !== '2checkout') {
    throw invalid('provider', '"okepay" or "2checkout"', provider);
  } else if (typeof subscriptionReference !== 'string' || !subscriptionReference.trim()) {
    throw invalid(
      'subscriptionReference',
      'the reference of one of the customer’s subscriptions',
      subscriptionReference,
    );
  } else if (accessPage !== undefined && !TWOCHECKOUT_ACCESS_PAGES.includes(accessPage)) {
    throw invalid('accessPage', `one of ${TWOCHECKOUT_ACCESS_PAGES.join(', ')}`, accessPage);
  } else if (
    validityTime !== undefined &&
    !(Number.isInteger(validityTime) && validityTime >= 5 && validityTime <= 300)
  ) {
    throw invalid('validityTime', 'whole seconds from 5 to 300', validityTime);
  } else if (prefetch && !((validityTime ?? 0) >= TWOCHECKOUT_PREFETCH_MIN_VALIDITY)) {
    throw invalid(
      'validityTime',
      `at least ${TWOCHECKOUT_PREFETCH_MIN_VALIDITY} seconds with \`prefetch\` (a link must outlive the wait for the click)`,
      validityTime,
    );
  }
}

/**
 * Opens the customer's subscription self-service page at the payment provider, already logged
 * in. The new tab is opened synchronously in the click (so no popup blocker interferes), then
 * sent to the one-time link when the backend returns it; on failure it is closed again.
 *
 * @example
 * <ManageSubscriptionButton provider="okepay" />
 * <ManageSubscriptionButton provider="2checkout" subscriptionReference="B2C1A9F0" accessPage="change_card">
 *   Update card
 * </ManageSubscriptionButton>
 */
export const ManageSubscriptionButton = forwardRef<HTMLButtonElement, ManageSubscriptionButtonProps>(
  function ManageSubscriptionButton(props, ref) {
    if (process.env.NODE_ENV !== 'production') checkProps(props);
    const {
      provider,
      subscriptionReference,
      accessPage,
      validityTime,
      target = 'new-tab',
      prefetch,
      onOpen,
      onError,
      ...rest
    } = props as AnyButtonProps;
    const request =
      provider === 'okepay'
        ? undefined
        : { subscriptionReference: subscriptionReference!, accessPage, validityTime };
    return useAction<LinkResponse, ManageSubscriptionButtonState>(rest, ref, 'Manage subscription', {
      key: JSON.stringify(request ?? provider),
      prefetch: () => prefetchEnabled(provider as 'okepay', prefetch, validityTime),
      life: validityTime && validityTime * 1000,
      prepare: (ready) => openPending(target, undefined, ready?.url),
      load: (client, signal) =>
        request ? client.twocheckoutSso(request, { signal }) : client.okepayLoginLink({ signal }),
      open: (link, pending, setState) => {
        // Navigate before touching React state: the tab must leave about:blank as soon as the link is here.
        const result = pending!.navigate(link.url);
        setState('idle');
        onOpen?.(result);
      },
      onError,
    });
  },
);
