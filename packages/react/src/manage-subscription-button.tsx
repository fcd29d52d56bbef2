import {
  manageSubscriptionAction,
  type HandoffError,
  type ManageSubscriptionOptions,
  type OpenResult,
  type OpenTarget,
  type TwoCheckoutAccessPage,
} from '@handoff/core';
import { forwardRef } from 'react';
import { ActionButton, checkProps, useAction, type ActionProps } from './action.tsx';

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
    const {
      provider,
      subscriptionReference,
      accessPage,
      validityTime,
      target,
      prefetch,
      onOpen,
      onError,
      ...rest
    } = props as ManageSubscriptionButtonBaseProps & Partial<TwoCheckoutButtonProps>;
    const options: ManageSubscriptionOptions = {
      provider: provider!,
      subscriptionReference,
      accessPage,
      validityTime,
      target,
      prefetch,
      // A portal always opens a page, so there is always a result.
      onOpen: onOpen as ManageSubscriptionOptions['onOpen'],
      onError,
    };
    if (process.env.NODE_ENV !== 'production') {
      checkProps(manageSubscriptionAction, options, 'ManageSubscriptionButton');
    }
    const action = useAction(manageSubscriptionAction, options);
    return <ActionButton {...rest} action={action} buttonRef={ref} label="Manage subscription" />;
  },
);
