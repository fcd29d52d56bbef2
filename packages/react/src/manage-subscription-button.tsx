import {
  createPrefetchCache,
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
import { forwardRef, useEffect, useRef, useState, type ButtonHTMLAttributes } from 'react';
import { useHandoffClient } from './handoff-provider.tsx';
import { composeEventHandlers, Slot } from './slot.tsx';

export type ManageSubscriptionButtonState = 'idle' | 'loading' | 'error';

export interface ManageSubscriptionButtonBaseProps extends Omit<
  ButtonHTMLAttributes<HTMLButtonElement>,
  'onError' | 'type'
> {
  /** Render the single child element (a link, your design system's button) with this behaviour. */
  asChild?: boolean;
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
      asChild,
      target = 'new-tab',
      prefetch,
      onOpen,
      onError,
      onClick,
      onPointerEnter,
      onFocus,
      children,
      ...rest
    } = props as AnyButtonProps;
    const client = useHandoffClient();
    const [cache] = useState(() => createPrefetchCache<LinkResponse>());
    const [state, setState] = useState<ManageSubscriptionButtonState>('idle');
    // The request in flight, if any. A ref, not the state: two clicks can land before React
    // re-renders with `loading`, and the second must not start another request.
    const inflight = useRef<AbortController | null>(null);

    // Leaving the page mid-request: stop it; its handlers then neither navigate nor set state.
    useEffect(() => () => inflight.current?.abort(), []);
    // A link fetched ahead belongs to this client (this customer) and this button's life.
    useEffect(() => () => cache.drop(), [cache, client]);

    const request =
      provider === 'okepay'
        ? undefined
        : { subscriptionReference: subscriptionReference!, accessPage, validityTime };
    const key = JSON.stringify(request ?? provider);
    const load = (signal: AbortSignal) =>
      request ? client.twocheckoutSso(request, { signal }) : client.okepayLoginLink({ signal });
    const warm = () => {
      if (prefetchEnabled(provider as 'okepay', prefetch, validityTime)) cache.prefetch(key, load);
    };

    const handleClick = composeEventHandlers(onClick, () => {
      if (inflight.current) return;
      const pending = openPending(target);
      const controller = (inflight.current = new AbortController());
      const { signal } = controller;
      setState('loading');
      cache
        .take(key, signal)
        .then((link) => link ?? load(signal))
        .then(
          (link) => {
            if (signal.aborted) return pending.close();
            // Navigate before touching React state: the tab must leave about:blank as soon as the link is here.
            const result = pending.navigate(link.url);
            setState('idle');
            onOpen?.(result);
          },
          (error: HandoffError) => {
            pending.close();
            if (signal.aborted) return;
            setState('error');
            onError?.(error);
          },
        )
        .finally(() => {
          inflight.current = null;
        });
    });

    const loading = state === 'loading';
    const shared = {
      ...rest,
      ref,
      onClick: handleClick,
      onPointerEnter: composeEventHandlers(onPointerEnter, warm),
      onFocus: composeEventHandlers(onFocus, warm),
      'data-state': state,
      'aria-busy': loading || undefined,
      'aria-disabled': loading || rest['aria-disabled'],
    };
    return asChild ? (
      <Slot {...shared}>{children}</Slot>
    ) : (
      <button type="button" {...shared}>
        {children ?? 'Manage subscription'}
      </button>
    );
  },
);
