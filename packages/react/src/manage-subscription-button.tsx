import {
  HandoffError,
  openPending,
  TWOCHECKOUT_ACCESS_PAGES,
  type HandoffClient,
  type LinkResponse,
  type OpenResult,
  type OpenTarget,
  type TwoCheckoutAccessPage,
} from '@handoff/core';
import { forwardRef, useEffect, useRef, useState, type ButtonHTMLAttributes, type MouseEvent } from 'react';
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

type Load = (client: HandoffClient, signal: AbortSignal) => Promise<LinkResponse>;

function invalid(prop: string, expected: string, got: unknown): TypeError {
  return new TypeError(
    `Invalid prop \`${prop}\` supplied to \`ManageSubscriptionButton\`: expected ${expected}, got ${JSON.stringify(got)}.`,
  );
}

/** Props may come from untyped code or CMS data: check them once per render and name the culprit. */
function parseProps(props: Record<string, unknown>): Load {
  const { provider, subscriptionReference, accessPage, validityTime, target } = props;
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
    return (client, signal) => client.okepayLoginLink({ signal });
  }
  if (provider === '2checkout') {
    if (typeof subscriptionReference !== 'string' || !subscriptionReference.trim()) {
      throw invalid(
        'subscriptionReference',
        'the reference of one of the customer’s subscriptions',
        subscriptionReference,
      );
    }
    if (accessPage !== undefined && !TWOCHECKOUT_ACCESS_PAGES.includes(accessPage as TwoCheckoutAccessPage)) {
      throw invalid('accessPage', `one of ${TWOCHECKOUT_ACCESS_PAGES.join(', ')}`, accessPage);
    }
    if (
      validityTime !== undefined &&
      !(Number.isInteger(validityTime) && (validityTime as number) >= 5 && (validityTime as number) <= 300)
    ) {
      throw invalid('validityTime', 'whole seconds from 5 to 300', validityTime);
    }
    const request = {
      subscriptionReference,
      accessPage: accessPage as TwoCheckoutAccessPage | undefined,
      validityTime: validityTime as number | undefined,
    };
    return (client, signal) => client.twocheckoutSso(request, { signal });
  }
  throw invalid('provider', '"okepay" or "2checkout"', provider);
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
    const load = parseProps(props as unknown as Record<string, unknown>);
    const {
      provider: _provider,
      subscriptionReference: _reference,
      accessPage: _page,
      validityTime: _validity,
      asChild,
      target = 'new-tab',
      onOpen,
      onError,
      onClick,
      children,
      ...rest
    } = props as ManageSubscriptionButtonBaseProps &
      Partial<Omit<TwoCheckoutButtonProps, 'provider'>> & {
        provider: string;
      };
    const client = useHandoffClient();
    const [state, setState] = useState<ManageSubscriptionButtonState>('idle');
    // A ref, not the state: two clicks can land before React re-renders with `loading`.
    const busy = useRef(false);
    const inflight = useRef<AbortController | null>(null);

    // Leaving the page mid-request: stop it, and its handlers will neither navigate nor set state.
    useEffect(() => () => inflight.current?.abort(), []);

    const handleClick = composeEventHandlers(onClick, (_event: MouseEvent<HTMLButtonElement>) => {
      if (busy.current) return;
      busy.current = true;
      const pending = openPending(target);
      const controller = new AbortController();
      inflight.current = controller;
      setState('loading');
      load(client, controller.signal)
        .then(
          (link) => {
            if (controller.signal.aborted) return pending.close();
            const result = pending.navigate(link.url);
            setState('idle');
            onOpen?.(result);
          },
          (error: unknown) => {
            pending.close();
            if (controller.signal.aborted) return;
            setState('error');
            onError?.(
              error instanceof HandoffError
                ? error
                : new HandoffError('internal', String(error), { cause: error }),
            );
          },
        )
        .finally(() => {
          busy.current = false;
          if (inflight.current === controller) inflight.current = null;
        });
    });

    const loading = state === 'loading';
    const shared = {
      ...rest,
      ref,
      onClick: handleClick,
      'data-state': state,
      'aria-busy': loading || undefined,
      'aria-disabled': loading || rest['aria-disabled'],
    };
    if (asChild) return <Slot {...shared}>{children}</Slot>;
    return (
      <button type="button" {...shared}>
        {children ?? 'Manage subscription'}
      </button>
    );
  },
);
